"""Render a dist's indexes (Packages, per-component Release) and its top-level Release."""

from __future__ import annotations

import gzip
import lzma
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from debian.deb822 import Deb822, Release

from publisher.aptindex import sort_entries
from publisher.aptpaths import packages_path
from publisher.hashing import Digests, digest_bytes
from publisher.workers import worker_count

RELEASE_HASH_FIELDS = ("MD5Sum", "SHA1", "SHA256", "SHA512")


# Packages text is mostly checksums, which no setting compresses much. Measured on the 22 MB
# Packages of 27,500 packages: xz preset 0 takes 1.3 s (preset 1: 2.4 s, preset 6: 11x longer) for
# 2% more bytes than preset 1; gzip level 6 takes 0.55 s (level 9: 0.77 s) for 1% more. A publish
# into a dist of 50,000 packages spends most of its time here, so speed wins.
XZ_PRESET = 0
GZIP_LEVEL = 6
# Below this much uncompressed text, compressing in this process beats starting workers.
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


def render_packages(stanzas: Iterable[Mapping[str, str]]) -> bytes:
    return "\n".join(stanza.dump() for stanza in sort_entries(stanzas)).encode("utf-8")  # type: ignore[attr-defined]


def _compress(kind: str, data: bytes) -> tuple[bytes, Digests]:
    """One compressed index and its checksums (on a thread of its own for big indexes)."""
    if kind == "gz":
        out = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    else:
        out = lzma.compress(data, preset=XZ_PRESET)
    return out, digest_bytes(out)


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


def render_groups(dist_fields: dict[str, str], groups: Sequence[Group]) -> list[IndexFile]:
    """Packages in three compressions plus the per-component Release of each group.

    The .xz and .gz of big indexes are compressed on threads, all at once: zlib, lzma and
    hashlib let go of the GIL while they work, so every core works on the one copy of the text
    (worker processes each took a pickled copy: 150 MB more at 50,000 packages, and slower).
    """
    plains: dict[str, bytes] = {}
    for group in groups:
        if group.stanzas is not None:
            plains[packages_path(group.component, group.arch)] = render_packages(group.stanzas)
    jobs = [(path + suffix, kind, data) for kind, suffix in (("xz", ".xz"), ("gz", ".gz"))
            for path, data in plains.items()]  # fmt: skip
    done: dict[str, tuple[bytes, Digests]] = {}
    workers = worker_count(len(jobs))
    if workers > 1 and sum(len(data) for data in plains.values()) >= PARALLEL_BYTES:
        with ThreadPoolExecutor(workers) as pool:
            futures: dict[str, Future[tuple[bytes, Digests]]] = {
                path: pool.submit(_compress, kind, data) for path, kind, data in jobs
            }
            plain_digests = {path: digest_bytes(data) for path, data in plains.items()}
            done = {path: future.result() for path, future in futures.items()}
    else:
        plain_digests = {path: digest_bytes(data) for path, data in plains.items()}
        done = {path: _compress(kind, data) for path, kind, data in jobs}
    indexes: list[IndexFile] = []
    for group in groups:
        path = packages_path(group.component, group.arch)
        if group.stanzas is None:
            assert group.kept is not None
            indexes += group.kept
        else:
            indexes.append(IndexFile(path, plains[path], plain_digests[path]))
            for name in (path + ".gz", path + ".xz"):
                data, digests = done[name]
                indexes.append(IndexFile(name, data, digests))
        indexes.append(_component_release(dist_fields, group.component, group.arch))
    return indexes


def component_indexes(
    dist_fields: dict[str, str], component: str, arch: str, stanzas: Iterable[Mapping[str, str]]
) -> list[IndexFile]:
    """Packages in three compressions plus the per-component Release of one architecture."""
    return render_groups(dist_fields, [Group(component, arch, stanzas)])


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
    for field in RELEASE_HASH_FIELDS:
        release[field] = [
            {
                ("md5sum" if field == "MD5Sum" else field.lower()): index.digests.by_release_name()[
                    field
                ],
                "size": str(index.digests.size),
                "name": index.path,
            }
            for index in ordered
        ]
    return release.dump().encode("utf-8")
