"""The history of a dist or an RPM root, in the form both formats share.

Every commit writes a small content-addressed JSON entry (when, who, what it added and removed,
the entry before it, and what the state is made of) and names it in what it signs, beside the
gc record (publisher/core/gcrecord.py): an APT dist's Release (publisher/apt/history.py), an
RPM root's repomd.xml (publisher/yum/history.py). The entry goes live in the same
compare-and-swap as the state it describes, so following `previous` from the current entry
walks exactly the committed states; a lost or killed commit leaves an orphan nobody names.
Entries are never collected: they are small, and a history with holes would hide who did what.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from publisher.errors import R2repoError
from publisher.stores import Store

# gc keeps every file the last this many states of a dist or root need, whatever their age.
DEFAULT_KEEP_STATES = 10
SHORT_ID = 12  # hex digits of an id `history` shows; `rollback --to` takes any unique prefix
_SHOWN_CHANGES = 4  # packages a history line names before "and N more"
Key = TypeVar("Key")


@dataclass(frozen=True)
class HistoryEntry:
    id: str  # the sha256 of the entry's bytes
    date: float
    who: str
    previous: str | None
    state: dict[str, Any]  # what the format needs to restore it (see apt/ and yum/history.py)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rollback_to: str | None = None  # the entry a rollback restored

    @property
    def short_id(self) -> str:
        return self.id[:SHORT_ID]


# Standard CI variables, first match wins: (variables needed, the job's URL made from them).
_CI_URLS: tuple[tuple[tuple[str, ...], Callable[[Mapping[str, str]], str]], ...] = (
    (
        ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"),
        lambda e: (
            f"{e['GITHUB_SERVER_URL']}/{e['GITHUB_REPOSITORY']}/actions/runs/{e['GITHUB_RUN_ID']}"
        ),
    ),
    (("CI_JOB_URL",), lambda e: e["CI_JOB_URL"]),  # GitLab
    (("BUILDKITE_BUILD_URL",), lambda e: e["BUILDKITE_BUILD_URL"]),
    (("CIRCLE_BUILD_URL",), lambda e: e["CIRCLE_BUILD_URL"]),
    (("TRAVIS_JOB_WEB_URL",), lambda e: e["TRAVIS_JOB_WEB_URL"]),
    (("DRONE_BUILD_LINK",), lambda e: e["DRONE_BUILD_LINK"]),
    (
        ("SYSTEM_COLLECTIONURI", "SYSTEM_TEAMPROJECT", "BUILD_BUILDID"),  # Azure Pipelines
        lambda e: (
            f"{e['SYSTEM_COLLECTIONURI'].rstrip('/')}/{e['SYSTEM_TEAMPROJECT']}/_build/"
            f"results?buildId={e['BUILD_BUILDID']}"
        ),
    ),
    (("BUILD_URL",), lambda e: e["BUILD_URL"]),  # Jenkins
)


def who(environ: Mapping[str, str] = os.environ) -> str:
    """The CI job's URL when a CI runs this, else user@host."""
    for names, url in _CI_URLS:
        if all(environ.get(name) for name in names):
            return url(environ)
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name and no USER/LOGNAME: a bare container
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def render_entry(
    date: float,
    by: str,
    previous: str | None,
    state: Mapping[str, Any],
    added: Sequence[str] = (),
    removed: Sequence[str] = (),
    rollback_to: str | None = None,
) -> bytes:
    body: dict[str, Any] = {
        "format": 1,
        "date": round(date, 3),
        "who": by,
        "previous": previous,
        "added": sorted(added),
        "removed": sorted(removed),
        "state": dict(state),
    }
    if rollback_to is not None:
        body["rollback_to"] = rollback_to
    return json.dumps(body, indent=0, sort_keys=True).encode("utf-8") + b"\n"


def parse_entry(entry_id: str, raw: bytes | None) -> HistoryEntry | None:
    """The entry, or None when missing or unreadable."""
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        return HistoryEntry(
            id=entry_id,
            date=float(data["date"]),
            who=str(data["who"]),
            previous=data["previous"],
            state=dict(data["state"]),
            added=[str(line) for line in data["added"]],
            removed=[str(line) for line in data["removed"]],
            rollback_to=data.get("rollback_to"),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def walk(
    load: Callable[[str], HistoryEntry | None], head: str | None, limit: int | None = None
) -> Iterator[HistoryEntry]:
    """The entries from `head` back, newest first, until the first one or a missing one."""
    seen: set[str] = set()
    count = 0
    while head and head not in seen and (limit is None or count < limit):
        seen.add(head)  # a loop is impossible with sha256 ids; never spin on a forged one
        entry = load(head)
        if entry is None:
            return
        yield entry
        count += 1
        head = entry.previous


def find(entries: Iterator[HistoryEntry], wanted: str, where: str) -> HistoryEntry:
    """The entry whose id starts with `wanted`; one line naming the input when none or many."""
    prefix = wanted.strip().lower()
    if len(prefix) < 4 or any(c not in "0123456789abcdef" for c in prefix):
        raise R2repoError(f"--to {wanted}: give an id from `r2repo history` (4 hex digits or more)")
    matches = [entry for entry in entries if entry.id.startswith(prefix)]
    if not matches:
        raise R2repoError(f"--to {wanted}: no such state in the history of {where}")
    if len(matches) > 1:
        raise R2repoError(f"--to {wanted}: {len(matches)} states of {where} start so; give more")
    return matches[0]


def gone(entry: HistoryEntry, key: str) -> R2repoError:
    """The refusal of a rollback to a state whose file `key` is no longer in the store."""
    return R2repoError(
        f"--to {entry.short_id}: {key} is gone (collected by gc, which keeps the files of the "
        "last --keep-states states only); nothing changed"
    )


def bring_back(store: Store, entry: HistoryEntry, keys: Iterable[str]) -> None:
    """Refresh the packages a rollback names again (gc counts from their time: it leaves them
    now); refuse the rollback when one is gone."""
    for key in sorted(keys):
        if not store.touch(key) and store.head(key) is None:
            raise gone(entry, key)


def changes(current: Mapping[Key, str], target: Mapping[Key, str]) -> tuple[list[Key], list[Key]]:
    """What a move from `current` to `target` (key -> digest of its bytes) adds and removes;
    other bytes under one key count as both."""
    added = [key for key, digest in target.items() if current.get(key) != digest]
    removed = [key for key, digest in current.items() if target.get(key) != digest]
    return added, removed


def line(entry: HistoryEntry) -> str:
    """`history`'s line: id, date UTC, who, +added -removed, then what changed."""
    when = datetime.fromtimestamp(entry.date, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    named = [f"+{what}" for what in entry.added] + [f"-{what}" for what in entry.removed]
    detail = ", ".join(named[:_SHOWN_CHANGES])
    if len(named) > _SHOWN_CHANGES:
        detail += f" and {len(named) - _SHOWN_CHANGES} more"
    if entry.rollback_to:
        detail = f"rollback to {entry.rollback_to[:SHORT_ID]}" + (f": {detail}" if detail else "")
    summary = f"+{len(entry.added)} -{len(entry.removed)}"
    return "\t".join((entry.short_id, when, entry.who, summary, detail or "-"))
