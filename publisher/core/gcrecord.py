"""The record of when each object stopped being referenced, in the form both formats share.

Garbage collection may delete an object only once it has been unreferenced for the grace
period, so it must know *since when*. No local database: each commit writes a small JSON record
of what it referenced once and no longer does, with the time it was dropped, and names the
record in what it signs (an APT dist's Release: publisher/apt/gcrecord.py; an RPM root's
repomd.xml: publisher/yum/gcrecord.py). Here: the record's horizon, how the next record follows
from the last, and its bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

# Entries older than this leave the record (it would grow forever otherwise); gc refuses a
# grace period longer than it, so a pruned entry is always past any grace.
HORIZON_SECONDS = 30 * 86400


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
