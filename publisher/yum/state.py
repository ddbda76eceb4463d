"""The current state of an RPM repository root, read back from its signed repomd.xml."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import createrepo_c as cr

from publisher.stores import Store
from publisher.stores.readonce import read_ahead
from publisher.yum.chunks import Chunks, read_chunks
from publisher.yum.rpmpkg import NEVRA, quiet_stderr

METADATA_TYPES = ("primary", "filelists", "other")
# A repomd.xml record of our own, ignored by dnf, yum and zypper: the gc record of the root
# (publisher/yum/gcrecord.py), content-addressed like the other repodata files.
RECORD_TYPE = "r2repo-unreferenced"


@dataclass(frozen=True)
class RepodataFile:
    """What repomd.xml says about one file of repodata/."""

    type: str
    href: str  # relative to the root, e.g. "repodata/<sha256>-primary.xml.gz"
    size: int
    checksum_type: str
    checksum: str
    open_size: int | None = None  # of the decompressed bytes, for compressed files
    open_checksum: str | None = None


def nevra_of(package: cr.Package) -> NEVRA:
    return (package.name, package.epoch or "0", package.version, package.release, package.arch)


@dataclass
class RpmRootState:
    root: str  # the repository's prefix in the store, e.g. "rpm" or "rpm/el9"
    packages: dict[NEVRA, cr.Package] = field(default_factory=dict)
    # repomd.xml is what dnf reads first, so it is the state and the compare-and-swap anchor.
    repomd_etag: str | None = None
    repodata: list[RepodataFile] = field(default_factory=list)
    repomd: bytes | None = None
    # The stored primary, filelists and other.xml as read: kind -> (href, bytes).
    metadata_files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    _chunks: Chunks | None = field(default=None, repr=False)

    @property
    def record_href(self) -> str | None:
        return next((f.href for f in self.repodata if f.type == RECORD_TYPE), None)

    @property
    def exists(self) -> bool:
        return self.repomd_etag is not None

    def chunks(self) -> Chunks:
        """Each package's XML as stored, by kind and pkgId (publisher/yum/chunks.py); split on
        first use, which only a render makes (gc, verify and listings never pay for it)."""
        if self._chunks is None:
            self._chunks = read_chunks(self.metadata_files)
        return self._chunks


def repomd_key(root: str) -> str:
    return f"{root}/repodata/repomd.xml"


def read_rpm_root(store: Store, root: str, packages: bool = True) -> RpmRootState:
    """Read every package entry of an RPM root from its metadata; no .rpm file is read.

    With `packages` false, only repomd.xml is read.
    """
    state = RpmRootState(root=root)
    found = store.get_with_info(repomd_key(root))
    if found is None:
        return state
    raw, info = found
    state.repomd_etag = info.etag
    state.repomd = raw
    with tempfile.TemporaryDirectory(prefix="r2repo-yum-") as scratch:
        directory = Path(scratch)
        (directory / "repomd.xml").write_bytes(raw)
        repomd = cr.Repomd(str(directory / "repomd.xml"))
        wanted = (*METADATA_TYPES, RECORD_TYPE) if packages else ()
        read_ahead(store, [f"{root}/{r.location_href}" for r in repomd.records if r.type in wanted])
        for record in repomd.records:
            state.repodata.append(
                RepodataFile(
                    record.type,
                    record.location_href,
                    record.size,
                    record.checksum_type,
                    record.checksum,
                    record.size_open if record.checksum_open else None,
                    record.checksum_open or None,
                )
            )
            if packages and record.type in METADATA_TYPES:
                data = store.get_bytes(f"{root}/{record.location_href}")
                if data is None:
                    raise FileNotFoundError(f"{root}/{record.location_href}")
                state.metadata_files[record.type] = (record.location_href, data)
    if set(state.metadata_files) == set(METADATA_TYPES):
        state.packages = metadata_packages(state.metadata_files)
    return state


def metadata_packages(files: Mapping[str, tuple[str, bytes]]) -> dict[NEVRA, cr.Package]:
    """Every package of primary, filelists and other.xml (kind -> (href, bytes))."""
    with tempfile.TemporaryDirectory(prefix="r2repo-yum-") as scratch:
        paths = {}
        for kind in METADATA_TYPES:
            href, data = files[kind]
            local = Path(scratch) / Path(href).name
            local.write_bytes(data)
            paths[kind] = str(local)
        with quiet_stderr():
            entries = list(cr.PackageIterator(paths["primary"], paths["filelists"], paths["other"]))
    return {nevra_of(package): package for package in entries}
