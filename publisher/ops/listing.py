"""What a store holds: its dists and RPM roots (by listing keys only), and their packages.

The state readers are imported where packages are listed: naming the dists must not load
python-debian or createrepo_c (a one-format publish checks the names of both kinds).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from publisher.apt.paths import dist_prefix
from publisher.errors import R2repoError
from publisher.stores import Store

REPOMD = "repodata/repomd.xml"


@dataclass(frozen=True)
class ListedPackage:
    dist: str
    component: str
    name: str
    version: str
    architecture: str

    def line(self) -> str:
        return f"{self.dist}\t{self.component}\t{self.name}\t{self.version}\t{self.architecture}"


def dist_names(store: Store) -> list[str]:
    names = set()
    for info in store.list("dists/"):
        parts = info.key.split("/")
        if len(parts) == 3 and parts[2] == "InRelease":
            names.add(parts[1])
    return sorted(names)


def rpm_roots(store: Store) -> list[str]:
    suffix = "/" + REPOMD
    return sorted(info.key[: -len(suffix)] for info in store.list() if info.key.endswith(suffix))


def _refuse_case_twin(kind: str, name: str, existing: Iterable[str]) -> None:
    for other in existing:
        if other != name and other.casefold() == name.casefold():
            raise R2repoError(
                f"{kind} {name!r}: differs only in case from the existing {other!r}, and would "
                f"be a second repository beside it; give {other!r}"
            )


def check_new_dist_name(store: Store, dist: str) -> None:
    """Refuse a new dist named like an existing one but for case (Bookworm beside bookworm).

    Only a dist that does not exist yet costs a listing of dists/."""
    if store.head(dist_prefix(dist) + "InRelease") is None:
        _refuse_case_twin("dist", dist, dist_names(store))


def check_new_rpm_root(store: Store, root: str) -> None:
    """The same for an RPM repository path (rpm/EL9 beside rpm/el9); a new one lists the store."""
    if store.head(f"{root}/{REPOMD}") is None:
        _refuse_case_twin("rpm path", root, rpm_roots(store))


def list_rpms(store: Store, root: str | None = None) -> Iterator[ListedPackage]:
    """RPM packages: `root` stands where the dist is, `rpm` where the component is."""
    from publisher.yum.rpmpkg import evr_of
    from publisher.yum.state import read_rpm_root

    for name in [root] if root else rpm_roots(store):
        state = read_rpm_root(store, name)
        for nevra in sorted(state.packages):
            yield ListedPackage(name, "rpm", nevra[0], evr_of(nevra), nevra[4])


def list_packages(store: Store, dist: str | None = None) -> Iterator[ListedPackage]:
    from publisher.apt.state import read_dist

    for name in [dist] if dist else dist_names(store):
        state = read_dist(store, name)
        for component, entries in sorted(state.components.items()):
            for pkg_name, version, arch in sorted(entries):
                yield ListedPackage(name, component, pkg_name, version, arch)
