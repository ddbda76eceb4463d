"""Write repodata/ (primary, filelists, other and repomd.xml) with the createrepo_c bindings."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import createrepo_c as cr

from publisher.yum.chunks import Chunks
from publisher.yum.rpmpkg import RpmMetadata
from publisher.yum.rpmversion import evr_key

WRITERS = (
    ("primary", cr.PrimaryXmlFile),
    ("filelists", cr.FilelistsXmlFile),
    ("other", cr.OtherXmlFile),
)
# A package as read back from the repository's metadata, or as read from its new .rpm.
RepodataEntry = cr.Package | RpmMetadata


@dataclass(frozen=True)
class Repodata:
    files: dict[str, bytes]  # "repodata/<sha256>-primary.xml.gz" -> bytes
    repomd: bytes


def sort_packages(packages: Iterable[RepodataEntry]) -> list[RepodataEntry]:
    """A stable order for reproducible metadata: name, then EVR (RPM order), then arch."""
    return sorted(
        packages,
        key=lambda p: (p.name, evr_key((p.epoch or "0", p.version, p.release)), p.arch),
    )


ExtraRecords = Callable[[list[str]], Mapping[str, bytes]]


def _chunk_source(package: RepodataEntry, stored: Chunks) -> Mapping[str, str] | None:
    """Where `package`'s XML of every kind comes from without dumping it: its own chunks (a
    package just read) or the stored files' (a package read back), if all three are there."""
    if isinstance(package, RpmMetadata):
        return {"primary": package.primary, "filelists": package.filelists, "other": package.other}
    found = {}
    for kind, chunks in stored.items():
        chunk = chunks.get(package.pkgId)
        if chunk is None:
            return None
        found[kind] = chunk
    return found if len(found) == len(WRITERS) else None


def render_repodata(
    packages: Iterable[RepodataEntry],
    revision: int,
    extra: ExtraRecords | None = None,
    stored: Chunks | None = None,
) -> Repodata:
    """Metadata for `packages` with content-addressed file names; revision and timestamps fixed.

    `extra`, given the hrefs of the package metadata, returns more records: a type mapped to
    bytes stored as they are (`repodata/<sha256>-<type>.json`). `stored` holds the XML of
    packages read back from the root (`RpmRootState.chunks`), written again as it is.
    """
    ordered = sort_packages(packages)
    sources = [_chunk_source(package, stored or {}) for package in ordered]
    with tempfile.TemporaryDirectory(prefix="r2repo-repodata-") as scratch:
        directory = Path(scratch) / "repodata"
        directory.mkdir()
        repomd = cr.Repomd()
        repomd.set_revision(str(revision))
        for kind, writer_class in WRITERS:
            path = directory / f"{kind}.xml.gz"
            writer = writer_class(str(path), compressiontype=cr.GZ_COMPRESSION)
            writer.set_num_of_pkgs(len(ordered))
            for package, source in zip(ordered, sources, strict=True):
                if source is None:
                    writer.add_pkg(package)
                else:
                    writer.add_chunk(source[kind])  # dumped once, when it was read
            writer.close()
            record = cr.RepomdRecord(kind, str(path))
            record.fill(cr.SHA256)
            record.set_timestamp(revision)
            record.rename_file()
            repomd.set_record(record)
        hrefs = [f"repodata/{path.name}" for path in sorted(directory.iterdir())]
        for kind, data in (extra(hrefs) if extra else {}).items():
            path = directory / f"{kind}.json"
            path.write_bytes(data)
            record = cr.RepomdRecord(kind, str(path))
            record.fill(cr.SHA256)
            record.set_timestamp(revision)
            record.rename_file()
            repomd.set_record(record)
        files = {f"repodata/{path.name}": path.read_bytes() for path in sorted(directory.iterdir())}
        return Repodata(files=files, repomd=repomd.xml_dump().encode("utf-8"))
