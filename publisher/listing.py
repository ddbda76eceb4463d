"""What a store holds: its dists and their packages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from publisher.aptstate import read_dist
from publisher.stores import Store
from publisher.yumstate import read_rpm_root

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


def list_rpms(store: Store, root: str | None = None) -> Iterator[ListedPackage]:
    """RPM packages: `root` stands where the dist is, `rpm` where the component is."""
    for name in [root] if root else rpm_roots(store):
        state = read_rpm_root(store, name)
        for nevra in sorted(state.packages):
            pkg_name, epoch, version, release, arch = nevra
            evr = f"{version}-{release}" if epoch in ("", "0") else f"{epoch}:{version}-{release}"
            yield ListedPackage(name, "rpm", pkg_name, evr, arch)


def list_packages(store: Store, dist: str | None = None) -> Iterator[ListedPackage]:
    for name in [dist] if dist else dist_names(store):
        state = read_dist(store, name)
        for component, entries in sorted(state.components.items()):
            for pkg_name, version, arch in sorted(entries):
                yield ListedPackage(name, component, pkg_name, version, arch)
