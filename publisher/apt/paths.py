"""Where a dist's files live in the store: plain names, no parsing (the GC record and the YUM
side need them without loading python-debian)."""

from __future__ import annotations

from collections.abc import Mapping

from publisher.apt.releasehashes import BY_HASH

# A dist's entry points: InRelease (the compare-and-swap anchor), then its followers.
ENTRY_NAMES = ("InRelease", "Release", "Release.gpg")


def dist_prefix(dist: str) -> str:
    return f"dists/{dist}/"


def packages_path(component: str, arch: str) -> str:
    return f"{component}/binary-{arch}/Packages"


def by_hash_path(index_path: str, hash_name: str, digest: str) -> str:
    return f"{index_path.rsplit('/', 1)[0]}/by-hash/{hash_name}/{digest}"


def by_hash_key(dist: str, index_path: str, listed: Mapping[str, str]) -> str:
    """The store key of an index's by-hash copy (the one that never changes), from its digests
    as a Release names them."""
    return dist_prefix(dist) + by_hash_path(index_path, BY_HASH.field, listed[BY_HASH.field])
