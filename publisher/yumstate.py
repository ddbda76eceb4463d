"""The current state of an RPM repository root, read back from its signed repomd.xml."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import createrepo_c as cr

from publisher.rpmpkg import NEVRA, quiet_stderr
from publisher.stores import Store

METADATA_TYPES = ("primary", "filelists", "other")


def nevra_of(package: cr.Package) -> NEVRA:
    return (package.name, package.epoch or "0", package.version, package.release, package.arch)


@dataclass
class RpmRootState:
    root: str  # the repository's prefix in the store, e.g. "rpm" or "rpm/el9"
    packages: dict[NEVRA, cr.Package] = field(default_factory=dict)
    # repomd.xml is what dnf reads first, so it is the state and the compare-and-swap anchor.
    repomd_etag: str | None = None
    metadata_hrefs: list[str] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return self.repomd_etag is not None


def repomd_key(root: str) -> str:
    return f"{root}/repodata/repomd.xml"


def read_rpm_root(store: Store, root: str) -> RpmRootState:
    """Read every package entry of an RPM root from its metadata; no .rpm file is read."""
    state = RpmRootState(root=root)
    found = store.get_with_info(repomd_key(root))
    if found is None:
        return state
    raw, info = found
    state.repomd_etag = info.etag
    with tempfile.TemporaryDirectory(prefix="r2repo-yum-") as scratch:
        directory = Path(scratch)
        (directory / "repomd.xml").write_bytes(raw)
        repomd = cr.Repomd(str(directory / "repomd.xml"))
        hrefs: dict[str, str] = {}
        for record in repomd.records:
            state.metadata_hrefs.append(record.location_href)
            if record.type in METADATA_TYPES:
                hrefs[record.type] = f"{root}/{record.location_href}"
        if set(hrefs) != set(METADATA_TYPES):
            return state
        # The metadata files are content-addressed (<sha256>-primary.xml.gz): a publish that
        # checks its change and then applies it parses them once.
        cache_key = (id(store), *(hrefs[kind] for kind in METADATA_TYPES))
        packages = _PARSED.get(cache_key)
        if packages is None:
            packages = _parse(store, hrefs, directory)
            _PARSED.clear()
            _PARSED[cache_key] = packages
    for package in packages:
        state.packages[nevra_of(package)] = package
    return state


_PARSED: dict[tuple[object, ...], list[cr.Package]] = {}


def _parse(store: Store, hrefs: dict[str, str], directory: Path) -> list[cr.Package]:
    paths: dict[str, str] = {}
    for kind, key in hrefs.items():
        data = store.get_bytes(key)
        if data is None:
            raise FileNotFoundError(key)
        local = directory / key.rsplit("/", 1)[-1]
        local.write_bytes(data)
        paths[kind] = str(local)
    with quiet_stderr():
        return list(cr.PackageIterator(paths["primary"], paths["filelists"], paths["other"]))
