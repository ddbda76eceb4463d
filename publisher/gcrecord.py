"""When each object stopped being referenced: the record a dist commits with every Release.

Garbage collection may delete an object only once it has been unreferenced for the grace period,
so it must know *since when*. No local database: each commit of a dist writes a small JSON
object `_r2repo/unreferenced/<dist>/<sha256>.json` listing what this dist referenced once and
no longer does, with the time it was dropped, and names it in the Release it signs
(RECORD_FIELD). The record is content-addressed and uploaded before InRelease, so it goes live
in the same compare-and-swap as the state it describes: a lost or killed commit leaves only an
orphan record nobody names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from publisher.aptpaths import by_hash_path, dist_prefix
from publisher.statekeys import RECORD_PREFIX
from publisher.stores import Store

# Entries older than this leave the record (it would grow forever otherwise); gc refuses a
# grace period longer than it, so a pruned entry is always past any grace.
HORIZON_SECONDS = 30 * 86400


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
    keys = {prefix + "InRelease", prefix + "Release", prefix + "Release.gpg"}
    for path, digests in index_digests.items():
        keys.add(prefix + path)
        for hash_name, digest in digests.items():
            keys.add(prefix + by_hash_path(path, hash_name, digest))
    keys.update(filenames)
    if record_sha256:
        keys.add(record_key(dist, record_sha256))
    return keys


def load_record(store: Store, dist: str, sha256: str | None) -> dict[str, float]:
    if not sha256:
        return {}
    return parse_record(store.get_bytes(record_key(dist, sha256)))


def parse_record(raw: bytes | None) -> dict[str, float]:
    """The entries of a record; empty when missing or unreadable (gc then uses object times)."""
    if raw is None:
        return {}
    try:
        data = json.loads(raw)
        return {str(key): float(since) for key, since in data["unreferenced"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def next_record(
    old: Mapping[str, float], old_refs: set[str], new_refs: set[str], now: float
) -> dict[str, float]:
    """The old record, minus what is referenced again or past the horizon, plus what drops now."""
    record = {
        key: since
        for key, since in old.items()
        if key not in new_refs and since > now - HORIZON_SECONDS
    }
    for key in old_refs - new_refs:
        record[key] = now
    return record


def render_record(record: Mapping[str, float]) -> bytes:
    body = {"format": 1, "unreferenced": {key: round(record[key], 3) for key in sorted(record)}}
    return json.dumps(body, indent=0, sort_keys=True).encode("utf-8") + b"\n"
