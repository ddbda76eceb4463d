"""Render a dist's indexes (Packages, per-component Release) and its top-level Release."""

from __future__ import annotations

import gzip
import lzma
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from debian.deb822 import Deb822, Release

from publisher.aptindex import sort_entries
from publisher.aptstate import packages_path
from publisher.hashing import Digests, digest_bytes

RELEASE_HASH_FIELDS = ("MD5Sum", "SHA1", "SHA256", "SHA512")


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


def render_packages(stanzas: Iterable[Deb822]) -> bytes:
    return "\n".join(stanza.dump() for stanza in sort_entries(stanzas)).encode("utf-8")


def component_indexes(
    dist_fields: dict[str, str], component: str, arch: str, stanzas: Iterable[Deb822]
) -> list[IndexFile]:
    """Packages in three compressions plus the per-component Release of one architecture."""
    path = packages_path(component, arch)
    plain = render_packages(stanzas)
    release = Deb822()
    for name in ("Archive", "Origin", "Label"):
        source = "Suite" if name == "Archive" else name
        if dist_fields.get(source):
            release[name] = dist_fields[source]
    release["Component"] = component
    release["Architecture"] = arch
    return [
        _index(path, plain),
        _index(path + ".gz", gzip.compress(plain, compresslevel=9, mtime=0)),
        _index(path + ".xz", lzma.compress(plain, preset=6)),
        _index(path.rsplit("/", 1)[0] + "/Release", release.dump().encode("utf-8")),
    ]


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
