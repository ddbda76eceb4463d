"""`r2repo publish` as a library call: read every input first, then commit each repository."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, cast

from publisher.core.marker import check_repository
from publisher.core.outcome import Outcome
from publisher.core.statekeys import MARKER_KEY
from publisher.core.uploads import Reporter
from publisher.core.workers import map_in_workers
from publisher.errors import ConflictError, PackageError, R2repoError
from publisher.ops.listing import check_new_dist_name, check_new_rpm_root
from publisher.signing.gnupg import Signer
from publisher.signing.trustroot import TrustRoot, root_key_files
from publisher.stores import Store
from publisher.stores.readonce import read_ahead, read_once
from publisher.yum.repofile import DEFAULT_REPO_ID, DEFAULT_ROOT

if TYPE_CHECKING:
    from publisher.apt.debpkg import DebPackage
    from publisher.yum.rpmpkg import RpmPackage

# Each kind's reader is imported when a file of that kind is given: python-debian alone is a
# tenth of a second of an RPM-only publish, and the APT and YUM sides load likewise on use.
_READERS = {
    ".deb": ("publisher.apt.debpkg", "read_deb"),
    ".rpm": ("publisher.yum.rpmpkg", "read_rpm"),
}


@dataclass
class PublishOptions:
    dists: list[str] = field(default_factory=list)  # each committed on its own (ops/dists)
    pool_per_dist: bool = False
    component: str = "main"
    keep: int | None = None
    replace: bool = False
    release_fields: dict[str, str] = field(default_factory=dict)
    architectures: set[str] = field(default_factory=set)
    rpm_root: str = DEFAULT_ROOT
    repo_id: str = DEFAULT_REPO_ID
    base_url: str | None = None
    sign_packages: bool = False
    rotate_key: bool = False  # sign with keys the repository does not publish yet (trustroot)


@dataclass
class Inputs:
    debs: list[DebPackage] = field(default_factory=list)
    rpms: list[RpmPackage] = field(default_factory=list)


@dataclass
class PublishResult:
    dists: dict[str, Outcome] = field(default_factory=dict)
    rpm: Outcome | None = None


SeenInputs = dict[tuple[str, ...], tuple[Path, str]]


def _check_duplicate(
    seen: SeenInputs, key: tuple[str, ...], path: Path, sha256: str, what: str
) -> bool:
    """True when `key` was already given with the same bytes (skip it); raise on other bytes."""
    other = seen.get(key)
    if other is None:
        seen[key] = (path, sha256)
        return False
    if other[1] == sha256:
        return True
    raise ConflictError(f"{path}: {what} is also given as {other[0]} with other bytes")


def _reader(suffix: str) -> Callable[[Path], DebPackage | RpmPackage]:
    module, name = _READERS[suffix]
    reader: Callable[[Path], DebPackage | RpmPackage] = getattr(
        importlib.import_module(module), name
    )
    return reader


def read_package(path: Path) -> DebPackage | RpmPackage:
    """One input read (in a worker); read_inputs has checked its kind."""
    return _reader(path.suffix)(path)


def read_inputs(paths: Sequence[Path]) -> Inputs:
    """Every input read and checked before anything is written: one bad file fails them all."""
    inputs = Inputs()
    seen: SeenInputs = {}
    for path in paths:
        if path.suffix not in _READERS:
            if path.is_dir():  # only a misfit pays the stat: 50,000 inputs are common
                raise PackageError(
                    f"{path}: is a directory; give the packages in it ({path}/*.deb {path}/*.rpm)"
                )
            raise PackageError(f"{path}: not a .deb or .rpm file")
    suffixes = {path.suffix for path in paths}
    for suffix in suffixes:
        _reader(suffix)  # loaded here, before the workers fork, not once in each
    if ".rpm" in suffixes:
        from publisher.yum.rpmpkg import describe_nevra
    for path, package in zip(paths, map_in_workers(read_package, paths), strict=True):
        if path.suffix == ".deb":
            deb = cast("DebPackage", package)
            key, sha256, what = ("deb", *deb.key), deb.digests.sha256, " ".join(deb.key)
            if not _check_duplicate(seen, key, path, sha256, what):
                inputs.debs.append(deb)
        else:
            rpm = cast("RpmPackage", package)
            key, what = ("rpm", *rpm.nevra), describe_nevra(rpm.nevra)
            if not _check_duplicate(seen, key, path, rpm.sha256, what):
                inputs.rpms.append(rpm)
    return inputs


def publish(
    store: Store,
    inputs: Inputs,
    options: PublishOptions,
    signer: Signer,
    scratch: Path,
    progress: Reporter | None = None,
) -> PublishResult:
    if inputs.debs and not options.dists:
        raise R2repoError(
            "--dist is required to publish .deb packages (for example --dist bookworm)"
        )
    store = read_once(store)
    read_ahead(store, entry_reads(bool(inputs.debs), bool(inputs.rpms), options))
    for dist in options.dists if inputs.debs else ():
        check_new_dist_name(store, dist)
    if inputs.rpms:
        check_new_rpm_root(store, options.rpm_root)
    trust_root = TrustRoot(store, [options.rpm_root])
    # Both kinds are checked before either is committed: a conflict in one writes nothing at all.
    rpm_commit = (
        _rpm_side(store, inputs, options, signer, trust_root, scratch, progress)
        if inputs.rpms
        else None
    )
    apt_commits = _apt_side(store, inputs, options, signer, progress) if inputs.debs else []
    # A signer may still be importing its keys (open_signer(wait=False)): a bad or expired key
    # stops the publish here, before anything is written.
    signer.ready()
    trust_root.check(signer, options.rotate_key)
    check_repository(store, writing=True)
    result = PublishResult()
    if rpm_commit is not None:
        result.rpm = rpm_commit()
    if apt_commits:
        from publisher.ops.partial import commit_dists

        rpm = {options.rpm_root: result.rpm} if result.rpm else {}
        result.dists = commit_dists(apt_commits, rpm)
    return result


def entry_reads(debs: bool, rpms: bool, options: PublishOptions) -> list[str]:
    """What every publish reads before it plans: one parallel batch on a remote store."""
    keys = [MARKER_KEY, *root_key_files([options.rpm_root])]
    if debs:
        from publisher.apt.paths import ENTRY_NAMES, dist_prefix

        keys += [dist_prefix(dist) + name for dist in options.dists for name in ENTRY_NAMES]
    if rpms:
        from publisher.yum.gcrecord import ENTRY_NAMES as ROOT_ENTRY_NAMES

        root = options.rpm_root
        keys += [f"{root}/{name}" for name in ROOT_ENTRY_NAMES]
        keys.append(f"{root}/{options.repo_id}.repo")
    return keys


def _rpm_side(
    store: Store,
    inputs: Inputs,
    options: PublishOptions,
    signer: Signer,
    trust_root: TrustRoot,
    scratch: Path,
    progress: Reporter | None,
) -> Callable[[], Outcome]:
    """The RPM tree checked; what commits it."""
    from publisher.yum.publish import RpmChange, check_rpm_root, publish_rpm_root
    from publisher.yum.signedrpms import require_signed, sign_packages
    from publisher.yum.state import read_rpm_root

    def keyring() -> bytes:
        # Package signatures count when made by a key the repository will publish: its own too.
        trust_root.check(signer, options.rotate_key)
        return signer.public_keys(False)

    state = read_rpm_root(store, options.rpm_root)
    rpms = inputs.rpms
    if options.sign_packages:
        rpms = sign_packages(
            store, state, rpms, signer, keyring(), scratch, options.replace, options.repo_id
        )
    else:
        require_signed(store, state, rpms, keyring, options.repo_id)
    change = RpmChange(
        root=options.rpm_root,
        packages=rpms,
        keep=options.keep,
        replace=options.replace,
        repo_id=options.repo_id,
        base_url=options.base_url,
        packages_signed=options.sign_packages,
    )
    checked = check_rpm_root(store, change, state)
    return lambda: publish_rpm_root(store, change, signer, progress=progress, checked=checked)


def _apt_side(
    store: Store, inputs: Inputs, options: PublishOptions, signer: Signer, progress: Reporter | None
) -> list[tuple[str, Callable[[], Outcome]]]:
    """Every dist checked; what commits each."""
    from publisher.apt.publish import AptChange
    from publisher.ops.dists import check_dists

    def change(dist: str) -> AptChange:
        return AptChange(
            dist=dist,
            component=options.component,
            packages=inputs.debs,
            keep=options.keep,
            replace=options.replace,
            release_fields=options.release_fields,
            architectures=options.architectures,
            pool_per_dist=options.pool_per_dist,
        )

    return check_dists(store, options.dists, change, signer, progress)
