"""`r2repo rollback --dist`: an earlier state of a dist made current again in one
compare-and-swap on InRelease, with a fresh Date and signature.

The state is the one an entry of its history names (publisher/apt/history.py): its indexes, read
back by hash, are written again as they were (plain copies too, for clients that do not fetch by
hash) under a new Release; nothing is rendered. A state whose indexes or packages are gone is
refused before anything is written. The rollback is itself a new entry of the history.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

from publisher.apt.history import entry_indexes, entry_release, is_packages, with_history
from publisher.apt.index import entry_key
from publisher.apt.paths import by_hash_key
from publisher.apt.publish import AptChange, _Planner, describe
from publisher.apt.releasehashes import RELEASE_HASH_FIELDS
from publisher.apt.render import IndexFile, render_release
from publisher.apt.stanza import split_stanzas
from publisher.apt.state import RECORD_FIELD, RELEASE_FIELDS, DistState
from publisher.clock import release_time
from publisher.core.history import SHORT_ID, HistoryEntry, bring_back, changes, gone
from publisher.core.marker import check_repository
from publisher.core.outcome import Outcome
from publisher.core.placement import Placement
from publisher.core.transaction import with_retries
from publisher.core.uploads import Reporter, commit
from publisher.errors import R2repoError
from publisher.hashing import Digests, digest_bytes
from publisher.signing.gnupg import Signer
from publisher.stores import Store


def _indexes(store: Store, dist: str, entry: HistoryEntry) -> list[IndexFile]:
    """The entry's indexes, read back by hash and checked against the digests it lists."""
    indexes = []
    for path, listed in entry_indexes(entry).items():
        if set(RELEASE_HASH_FIELDS) - set(listed.digests):
            raise R2repoError(f"--to {entry.short_id}: its Release lacks hashes of {path}")
        key = by_hash_key(dist, path, listed.digests)
        data = store.get_bytes(key)
        if data is None:
            raise gone(entry, key)
        digests = digest_bytes(data)
        if (digests.size, digests.sha256) != (listed.size, listed.digests["SHA256"]):
            raise R2repoError(f"--to {entry.short_id}: {key} does not hold what it names")
        hashes = (listed.digests[name] for name in RELEASE_HASH_FIELDS)
        indexes.append(IndexFile(path, data, Digests(listed.size, *hashes)))
    return indexes


def _release_date(state: DistState) -> float:
    date = state.release.get("Date") if state.release is not None else None
    try:
        return parsedate_to_datetime(str(date)).timestamp() if date else 0.0
    except (TypeError, ValueError):
        return 0.0


def rollback_dist(
    store: Store,
    dist: str,
    entry: HistoryEntry,
    signer: Signer,
    now: Callable[[], float] = release_time,
    progress: Reporter | None = None,
    clock: Callable[[], float] = time.time,
) -> Outcome:
    """Make the state of `entry` current again; retried when another publisher commits first."""
    check_repository(store, writing=True)
    placement = Placement(store)

    # The entry's indexes are immutable (read by hash): read once, whatever the retries.
    indexes = _indexes(store, dist, entry)
    target: dict[tuple[str, tuple[str, str, str]], str] = {}
    files: dict[str, str] = {}
    for index in indexes:
        if is_packages(index.path):
            for stanza in split_stanzas(index.data.decode("utf-8")):
                component = index.path.split("/", 1)[0]
                target[(component, entry_key(stanza))] = stanza.get("SHA256", "")
                files[stanza["Filename"]] = stanza.get("SHA256", "")

    def attempt() -> Outcome:
        planner = _Planner(store, AptChange(dist), placement)
        state, result = planner.state, planner.result
        current = {
            (component, key): stanza.get("SHA256", "")
            for component, entries in state.components.items()
            for key, stanza in entries.items()
        }
        added, removed = changes(current, target)
        result.added = [describe(key) for _, key in sorted(added)]
        result.removed = [describe(key) for _, key in sorted(removed)]
        if state.index_sha256 == {i.path: i.digests.sha256 for i in indexes} and not added:
            result.notices.append(f"dist {dist} is in that state already; nothing changed")
            return result
        current_files = {
            stanza["Filename"] for c in state.components.values() for stanza in c.values()
        }
        bring_back(store, entry, set(files) - current_files)
        release = entry_release(entry)
        fields = {name: release[name] for name in RELEASE_FIELDS if name in release}
        arches = release.get("Architectures", "").split()
        components = release.get("Components", "").split()
        record_sha256 = planner.record_for(sorted(files), indexes, clock())
        # The Date moves forward, never back (even with SOURCE_DATE_EPOCH or a slow clock): a
        # client or cache that saw the state being replaced must take this one as newer.
        date = max(now(), _release_date(state) + 1)
        signed, history = with_history(
            state,
            result,
            clock(),
            lambda extra: render_release(fields, arches, components, indexes, date, extra),
            {RECORD_FIELD: record_sha256},
            rollback_to=entry.id,
        )
        planner.uploads.append(history)
        planner.index_uploads(indexes)
        planner.entry_uploads(signed, signer)
        result.written = commit(store, planner.uploads, progress).written
        return result

    return with_retries(attempt, f"dist {dist} (rollback to {entry.id[:SHORT_ID]})")
