"""Package signatures of an RPM root: signing with --sign-packages, and the gpgcheck=1 promise.

A root's .repo file says gpgcheck=1 once packages were signed; dnf then refuses any package
that carries no signature by a key of `gpgkey`. So a publish into such a root either signs its
packages or brings packages already signed by a signing key: an unsigned one is refused
(rather than signed unasked, which would need rpmsign and the user's consent to re-sign).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from publisher.core.workers import map_in_workers
from publisher.errors import ConflictError, R2repoError
from publisher.signing.gnupg import Signer
from publisher.signing.verify import SignatureChecker
from publisher.stores import Store
from publisher.yum.publish import other_bytes, stored_repo_file
from publisher.yum.rpmpkg import NEVRA, RpmPackage, describe_nevra, read_rpm
from publisher.yum.rpmsig import (
    file_headers,
    signature_problem,
    stored_headers,
    stored_signature_problem,
)
from publisher.yum.rpmsign import sign_rpm
from publisher.yum.state import RpmRootState


def _first_of(items: list[str]) -> str:
    """The first of `items` for a one-line message, and how many more there are."""
    return items[0] + (f" (and {len(items) - 1} more)" if len(items) > 1 else "")


def _new(state: RpmRootState, rpm: RpmPackage) -> bool:
    stored = state.packages.get(rpm.nevra)
    return stored is None or stored.pkgId != rpm.sha256


def _stored_copy(
    store: Store, state: RpmRootState, rpm: RpmPackage, checker: SignatureChecker, replace: bool
) -> RpmPackage | None:
    """`rpm` as the root already holds it signed by the repository's keys, or None: sign it.
    Raise where the root holds this name and version otherwise (unless `replace`)."""
    stored = state.packages.get(rpm.nevra)
    if stored is None:
        return None
    key = f"{state.root}/{stored.location_href}"
    headers = stored_headers(store, key, int(stored.size_package))
    same = headers.same_package(file_headers(rpm.path))
    if same and signature_problem(headers, checker) is None:
        # The stored copy's checksum: the root reports the input as unchanged.
        return dataclasses.replace(
            rpm, metadata=dataclasses.replace(rpm.metadata, pkgId=stored.pkgId)
        )
    if replace:
        return None
    if same:
        raise ConflictError(
            f"{rpm.path}: {describe_nevra(rpm.nevra)} is already in {state.root} without "
            "a signature by the repository's keys (use --replace to publish it signed)"
        )
    raise other_bytes(rpm.path, rpm.nevra, state.root)


def sign_packages(
    store: Store,
    state: RpmRootState,
    rpms: list[RpmPackage],
    signer: Signer,
    keyring: bytes,
    scratch: Path,
    replace: bool,
    repo_id: str,
) -> list[RpmPackage]:
    """Signed copies of `rpms`, read again (signing changes the bytes and the checksums);
    `keyring` holds the repository's public keys.

    An input whose signed copy the root already holds stands for that copy instead: a signature
    carries its time, so signing again gives other bytes, and republishing the same input would
    be refused as a conflict.
    """
    to_sign, kept = list(rpms), []
    if state.packages:  # else nothing to compare with (and no gpgv needed)
        with SignatureChecker(keyring) as checker:
            to_sign = []
            for rpm in rpms:
                stored = _stored_copy(store, state, rpm, checker, replace)
                if stored is None:
                    to_sign.append(rpm)
                else:
                    kept.append(stored)
            _check_unsigned_rest(store, state, {rpm.nevra for rpm in rpms}, checker, repo_id)
    signed = map_in_workers(read_rpm, [sign_rpm(rpm.path, scratch, signer) for rpm in to_sign])
    return kept + signed


def _check_unsigned_rest(
    store: Store, state: RpmRootState, given: set[NEVRA], checker: SignatureChecker, repo_id: str
) -> None:
    """The first signed publish turns gpgcheck=1 on for the whole root: refuse it while
    packages this publish leaves as they are carry no signature dnf would accept."""
    promise = stored_repo_file(store, state.root, repo_id)
    if promise is not None and promise.gpgcheck:
        return  # checked when it was turned on, and every publish since
    unsigned = [
        describe_nevra(nevra)
        for nevra, stored in state.packages.items()
        if nevra not in given and stored_signature_problem(store, state.root, stored, checker)
    ]
    if unsigned:
        raise R2repoError(
            f"{state.root}: {_first_of(unsigned)} has no signature by the "
            f"repository's keys; --sign-packages would make {state.root}/{repo_id}.repo say "
            "gpgcheck=1 and dnf refuse them: publish them again in the same command "
            "(with --replace), or remove them"
        )


def require_signed(
    store: Store,
    state: RpmRootState,
    rpms: list[RpmPackage],
    keyring: Callable[[], bytes],
    repo_id: str,
) -> None:
    """Refuse new packages without a signature by a key of `keyring()` (the repository's keys)
    where the root's .repo file says gpgcheck=1."""
    promise = stored_repo_file(store, state.root, repo_id)
    if promise is None or not promise.gpgcheck:
        return
    new = [rpm for rpm in rpms if _new(state, rpm)]
    if not new:
        return
    with SignatureChecker(keyring()) as checker:
        unsigned = [
            str(rpm.path) for rpm in new if signature_problem(file_headers(rpm.path), checker)
        ]
    if unsigned:
        raise R2repoError(
            f"{_first_of(unsigned)}: not signed by the repository's keys, and "
            f"{promise.key} says gpgcheck=1 (dnf installs only signed packages): "
            "publish with --sign-packages"
        )
