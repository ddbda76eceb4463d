"""`r2repo publish` as a library call: read every input first, then commit each repository."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from publisher.aptpublish import AptChange, AptResult, check_dist, publish_dist
from publisher.debpkg import DebPackage, read_deb
from publisher.errors import ConflictError, PackageError, R2repoError
from publisher.repository import check_repository
from publisher.rpmpkg import RpmPackage, describe_nevra, read_rpm
from publisher.rpmsign import sign_rpm
from publisher.signing import Signer
from publisher.stores import Store
from publisher.uploads import Reporter
from publisher.workers import map_in_workers
from publisher.yumpublish import (
    DEFAULT_REPO_ID,
    DEFAULT_ROOT,
    RpmChange,
    RpmResult,
    check_rpm_root,
    publish_rpm_root,
)


@dataclass
class PublishOptions:
    dist: str | None = None
    component: str = "main"
    keep: int | None = None
    replace: bool = False
    release_fields: dict[str, str] = field(default_factory=dict)
    architectures: set[str] = field(default_factory=set)
    rpm_root: str = DEFAULT_ROOT
    repo_id: str = DEFAULT_REPO_ID
    base_url: str | None = None
    sign_packages: bool = False


@dataclass
class Inputs:
    debs: list[DebPackage] = field(default_factory=list)
    rpms: list[RpmPackage] = field(default_factory=list)


@dataclass
class PublishResult:
    apt: AptResult | None = None
    rpm: RpmResult | None = None


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


def read_package(path: Path) -> DebPackage | RpmPackage:
    if path.suffix == ".deb":
        return read_deb(path)
    if path.suffix == ".rpm":
        return read_rpm(path)
    raise PackageError(f"{path}: not a .deb or .rpm file")


def read_inputs(paths: Sequence[Path]) -> Inputs:
    """Every input read and checked before anything is written: one bad file fails them all."""
    inputs = Inputs()
    seen: SeenInputs = {}
    for path in paths:
        if path.suffix not in (".deb", ".rpm"):
            raise PackageError(f"{path}: not a .deb or .rpm file")
    for path, package in zip(paths, map_in_workers(read_package, paths), strict=True):
        if isinstance(package, DebPackage):
            key, sha256, what = ("deb", *package.key), package.digests.sha256, " ".join(package.key)
            if not _check_duplicate(seen, key, path, sha256, what):
                inputs.debs.append(package)
        else:
            key, what = ("rpm", *package.nevra), describe_nevra(package.nevra)
            if not _check_duplicate(seen, key, path, package.sha256, what):
                inputs.rpms.append(package)
    return inputs


def sign_rpms(rpms: list[RpmPackage], signer: Signer, scratch: Path) -> list[RpmPackage]:
    """Signed copies, read again: signing changes the bytes and so the checksums."""
    return map_in_workers(read_rpm, [sign_rpm(rpm.path, scratch, signer) for rpm in rpms])


def publish(
    store: Store,
    inputs: Inputs,
    options: PublishOptions,
    signer: Signer,
    scratch: Path,
    progress: Reporter | None = None,
) -> PublishResult:
    if inputs.debs and not options.dist:
        raise R2repoError(
            "--dist is required to publish .deb packages (for example --dist bookworm)"
        )
    rpms = sign_rpms(inputs.rpms, signer, scratch) if options.sign_packages else inputs.rpms
    rpm_change = RpmChange(
        root=options.rpm_root,
        packages=rpms,
        keep=options.keep,
        replace=options.replace,
        repo_id=options.repo_id,
        base_url=options.base_url,
        packages_signed=options.sign_packages,
    )
    apt_change = AptChange(
        dist=options.dist or "",
        component=options.component,
        packages=inputs.debs,
        keep=options.keep,
        replace=options.replace,
        release_fields=options.release_fields,
        architectures=options.architectures,
    )
    # Both kinds are checked before either is committed: a conflict in one writes nothing at all.
    rpm_checked = check_rpm_root(store, rpm_change) if inputs.rpms else None
    apt_checked = check_dist(store, apt_change) if inputs.debs else None
    check_repository(store, writing=True)
    result = PublishResult()
    if rpm_checked is not None:
        result.rpm = publish_rpm_root(
            store, rpm_change, signer, progress=progress, checked=rpm_checked
        )
    if apt_checked is not None:
        result.apt = publish_dist(store, apt_change, signer, progress=progress, checked=apt_checked)
    return result
