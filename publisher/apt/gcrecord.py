"""An APT dist's gc record: `_r2repo/unreferenced/<dist>/<sha256>.json`, named in the Release
it signs (RECORD_FIELD), and every key one state of a dist references.

The record is content-addressed and uploaded before InRelease, so it goes live in the same
compare-and-swap as the state it describes: a lost or killed commit leaves only an orphan
record nobody names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from publisher.apt.paths import ENTRY_NAMES, by_hash_key, dist_prefix
from publisher.apt.releasehashes import BY_HASH
from publisher.core.gcrecord import parse_record
from publisher.core.statekeys import RECORD_PREFIX
from publisher.stores import Store


def record_key(dist: str, sha256: str) -> str:
    return f"{RECORD_PREFIX}{dist}/{sha256}.json"


def dist_references(
    dist: str,
    index_digests: Mapping[str, Mapping[str, str]],
    filenames: Iterable[str],
    record_sha256: str | None,
) -> set[str]:
    """Every key one state of a dist needs: entry points, indexes, by-hash copies, packages."""
    prefix = dist_prefix(dist)
    keys = {prefix + name for name in ENTRY_NAMES}
    for path, digests in index_digests.items():
        keys.add(prefix + path)
        if BY_HASH.field in digests:
            keys.add(by_hash_key(dist, path, digests))
    keys.update(filenames)
    if record_sha256:
        keys.add(record_key(dist, record_sha256))
    return keys


def load_record(store: Store, dist: str, sha256: str | None) -> dict[str, float]:
    if not sha256:
        return {}
    return parse_record(store.get_bytes(record_key(dist, sha256)))
