"""Render a dist's indexes (Packages, per-component Release) and its top-level Release."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TypeVar

from debian.deb822 import Deb822, Release

from publisher.apt.indexpieces import (
    KINDS,
    Compressed,
    Previous,
    assemble,
    compress_piece,
    cut,
    piece_id,
    reusable,
)
from publisher.apt.paths import packages_path
from publisher.apt.releasehashes import RELEASE_HASHES
from publisher.apt.versions import sort_entries
from publisher.core.workers import worker_count
from publisher.hashing import Digests, digest_bytes

Item = TypeVar("Item")
Result = TypeVar("Result")


# Below this much uncompressed text, compressing in this process beats starting threads.
PARALLEL_BYTES = 4 << 20


@dataclass(frozen=True)
class IndexFile:
    path: str  # relative to dists/<dist>/
    data: bytes
    digests: Digests

    @property
    def directory(self) -> str:
        return self.path.rsplit("/", 1)[0]


def _index(path: str, data: bytes) -> IndexFile:
    return IndexFile(path=path, data=data, digests=digest_bytes(data))


def _component_release(dist_fields: dict[str, str], component: str, arch: str) -> IndexFile:
    release = Deb822()
    for name in ("Archive", "Origin", "Label"):
        source = "Suite" if name == "Archive" else name
        if dist_fields.get(source):
            release[name] = dist_fields[source]
    release["Component"] = component
    release["Architecture"] = arch
    path = packages_path(component, arch).rsplit("/", 1)[0] + "/Release"
    return _index(path, release.dump().encode("utf-8"))


@dataclass(frozen=True)
class Group:
    """One component and architecture: its stanzas, or None to keep its Packages as they are."""

    component: str
    arch: str
    stanzas: Iterable[Mapping[str, str]] | None
    kept: list[IndexFile] | None = None  # Packages, .gz and .xz as the store holds them
    previous: Previous | None = None  # the Packages being replaced, whose pieces may be reused


class _Workers:
    """`map` on threads when there is enough to compress, else here. zlib, lzma and hashlib let
    go of the GIL while they work, so every core works on the one copy of the text (worker
    processes would each need a pickled copy: more memory, and slower)."""

    def __init__(self, text_bytes: int, jobs: int) -> None:
        workers = worker_count(jobs)
        parallel = workers > 1 and text_bytes >= PARALLEL_BYTES
        self.pool = ThreadPoolExecutor(workers) if parallel else None

    def map(self, function: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
        if self.pool is None:
            return [function(item) for item in items]
        return list(self.pool.map(function, items))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def _compress_job(job: tuple[str, bytes]) -> Compressed:
    return compress_piece(*job)


def render_groups(dist_fields: dict[str, str], groups: Sequence[Group]) -> list[IndexFile]:
    """Packages in three compressions plus the per-component Release of each group.

    Each Packages is compressed in pieces (indexpieces), the pieces of every group at once on
    every core, and a piece the Packages it replaces already holds is copied from it.
    """
    pieces: dict[str, list[bytes]] = {}
    previous: dict[str, Previous | None] = {}
    for group in groups:
        if group.stanzas is not None:
            path = packages_path(group.component, group.arch)
            pieces[path] = cut(sort_entries(group.stanzas))
            previous[path] = group.previous
    text_bytes = sum(len(piece) for texts in pieces.values() for piece in texts)
    workers = _Workers(text_bytes, 2 * sum(len(texts) for texts in pieces.values()))
    try:
        files = _compressed_files(pieces, previous, workers)
        digests = dict(zip(files, workers.map(digest_bytes, list(files.values())), strict=True))
    finally:
        workers.close()
    indexes: list[IndexFile] = []
    for group in groups:
        path = packages_path(group.component, group.arch)
        if group.stanzas is None:
            assert group.kept is not None
            indexes += group.kept
        else:
            for name in (path, path + ".gz", path + ".xz"):
                indexes.append(IndexFile(name, files[name], digests[name]))
        indexes.append(_component_release(dist_fields, group.component, group.arch))
    return indexes


def _compressed_files(
    pieces: dict[str, list[bytes]], previous: dict[str, Previous | None], workers: _Workers
) -> dict[str, bytes]:
    """Each Packages with its .gz and .xz, compressing only the pieces not found before."""
    found = dict(zip(pieces, workers.map(reusable, [previous[p] for p in pieces]), strict=True))
    ids = {path: workers.map(piece_id, texts) for path, texts in pieces.items()}
    jobs: dict[tuple[str, bytes], tuple[str, bytes]] = {}
    for kind in KINDS:
        for path, texts in pieces.items():
            for piece, key in zip(texts, ids[path], strict=True):
                if key not in found[path][kind]:
                    jobs.setdefault((kind, key), (kind, piece))
    done = dict(zip(jobs, workers.map(_compress_job, list(jobs.values())), strict=True))
    files: dict[str, bytes] = {}
    for path, texts in pieces.items():
        files[path] = b"".join(texts)
        for kind in KINDS:
            table = found[path][kind]
            parts = [table[key] if key in table else done[(kind, key)] for key in ids[path]]
            files[f"{path}.{kind}"] = assemble(kind, parts)
    return files


def release_date(epoch: float) -> str:
    return format_datetime(datetime.fromtimestamp(int(epoch), tz=UTC), usegmt=False).replace(
        "+0000", "UTC"
    )


def render_release(
    dist_fields: dict[str, str],
    architectures: Iterable[str],
    components: Iterable[str],
    indexes: Iterable[IndexFile],
    date_epoch: float,
    extra_fields: dict[str, str] | None = None,
) -> bytes:
    """The dist's Release: what it holds, and every index's size and checksums."""
    release = Release()
    for name in ("Origin", "Label", "Suite", "Codename"):
        if dist_fields.get(name):
            release[name] = dist_fields[name]
    release["Date"] = release_date(date_epoch)
    release["Architectures"] = " ".join(sorted(architectures))
    release["Components"] = " ".join(sorted(components))
    if dist_fields.get("Description"):
        release["Description"] = dist_fields["Description"]
    release["Acquire-By-Hash"] = "yes"
    for name, value in (extra_fields or {}).items():
        release[name] = value
    ordered = sorted(indexes, key=lambda index: index.path)
    for hash_ in RELEASE_HASHES:
        release[hash_.field] = [
            {
                hash_.column: getattr(index.digests, hash_.attribute),
                "size": str(index.digests.size),
                "name": index.path,
            }
            for index in ordered
        ]
    return release.dump().encode("utf-8")
