"""`r2repo publish` as a library call: read every input first, then commit each repository."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from publisher.aptpublish import AptChange, AptResult, publish_dist
from publisher.debpkg import DebPackage, read_deb
from publisher.errors import ConflictError, PackageError, R2repoError
from publisher.signing import Signer
from publisher.stores import Store
from publisher.uploads import Reporter


@dataclass
class PublishOptions:
    dist: str | None = None
    component: str = "main"
    keep: int | None = None
    replace: bool = False
    release_fields: dict[str, str] = field(default_factory=dict)
    architectures: set[str] = field(default_factory=set)


def read_packages(paths: Sequence[Path]) -> list[DebPackage]:
    """Every input read and checked before anything is written: one bad file fails them all."""
    packages: list[DebPackage] = []
    seen: dict[tuple[str, str, str], DebPackage] = {}
    for path in paths:
        if path.suffix == ".deb":
            pkg = read_deb(path)
        elif path.suffix == ".rpm":
            raise PackageError(f"{path}: RPM packages are not supported yet")
        else:
            raise PackageError(f"{path}: not a .deb or .rpm file")
        other = seen.get(pkg.key)
        if other is not None:
            if other.digests.sha256 == pkg.digests.sha256:
                continue
            raise ConflictError(
                f"{path}: {' '.join(pkg.key)} is also given as {other.path} with other bytes"
            )
        seen[pkg.key] = pkg
        packages.append(pkg)
    return packages


def publish_debs(
    store: Store,
    packages: list[DebPackage],
    options: PublishOptions,
    signer: Signer,
    progress: Reporter | None = None,
) -> AptResult:
    if not options.dist:
        raise R2repoError(
            "--dist is required to publish .deb packages (for example --dist bookworm)"
        )
    change = AptChange(
        dist=options.dist,
        component=options.component,
        packages=packages,
        keep=options.keep,
        replace=options.replace,
        release_fields=options.release_fields,
        architectures=options.architectures,
    )
    return publish_dist(store, change, signer, progress=progress)
