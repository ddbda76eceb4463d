"""An APT dist's history (publisher/core/history.py): entries at
`_r2repo/history/dists/<dist>/<sha256>.json`, named in the Release they describe (HISTORY_FIELD).

An entry holds the text of its state's Release without that field (a Release cannot name its
own hash): the index list, the fields, the architectures and components. With the indexes
kept by hash and the pool files they name, that is the whole state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from debian.deb822 import Release

from publisher.apt.gcrecord import dist_references
from publisher.apt.paths import by_hash_key
from publisher.apt.releasehashes import BY_HASH
from publisher.apt.state import DistState, IndexEntry, read_packages, release_indexes
from publisher.core.history import HistoryEntry, parse_entry, render_entry, walk, who
from publisher.core.outcome import Outcome
from publisher.core.statekeys import HISTORY_PREFIX
from publisher.core.uploads import Existing, Phase, Upload
from publisher.hashing import digest_bytes
from publisher.stores import Store

# apt ignores fields it does not know; signing it makes the entry part of the atomic commit.
HISTORY_FIELD = "X-R2repo-History"


def history_key(dist: str, entry_id: str) -> str:
    return f"{HISTORY_PREFIX}dists/{dist}/{entry_id}.json"


def head(state: DistState) -> str | None:
    """The id of the entry of the dist's current state (None before history was recorded)."""
    return state.release.get(HISTORY_FIELD) if state.release is not None else None


def load_entry(store: Store, dist: str, entry_id: str) -> HistoryEntry | None:
    return parse_entry(entry_id, store.get_bytes(history_key(dist, entry_id)))


def dist_history(
    store: Store, state: DistState, limit: int | None = None
) -> Iterator[HistoryEntry]:
    """The dist's entries, newest first."""
    return walk(lambda entry_id: load_entry(store, state.dist, entry_id), head(state), limit)


def with_history(
    state: DistState,
    outcome: Outcome,
    when: float,
    render: Callable[[dict[str, str]], bytes],
    fields: dict[str, str],
    rollback_to: str | None = None,
) -> tuple[bytes, Upload]:
    """The Release `render` makes with `fields` and the new entry's id, and the entry's upload
    (content-addressed: a commit that loses leaves it unnamed)."""
    data = render_entry(
        when,
        who(),
        head(state),
        {"release": render(fields).decode("utf-8")},
        outcome.added,
        outcome.removed,
        rollback_to,
    )
    sha256 = digest_bytes(data).sha256
    upload = Upload(
        history_key(state.dist, sha256),
        Phase.HASHED,
        data=data,
        sha256=sha256,
        existing=Existing.TOUCH_SAME,
        absent_when_planned=True,
    )
    return render({**fields, HISTORY_FIELD: sha256}), upload


def entry_release(entry: HistoryEntry) -> Release:
    return Release(str(entry.state.get("release", "")))


def entry_indexes(entry: HistoryEntry) -> dict[str, IndexEntry]:
    return release_indexes(entry_release(entry))


def is_packages(path: str) -> bool:
    return path.rsplit("/", 1)[-1] == "Packages"


def state_keys(store: Store, dist: str, entry: HistoryEntry) -> set[str]:
    """Every key the entry's state needs, as far as its Packages are still there to say."""
    indexes = entry_indexes(entry)
    files: list[str] = []
    for path, index in indexes.items():
        if is_packages(path) and BY_HASH.field in index.digests:
            stanzas = read_packages(store, by_hash_key(dist, path, index.digests))
            files += [stanza["Filename"] for stanza in stanzas or () if "Filename" in stanza]
    return dist_references(dist, {path: i.digests for path, i in indexes.items()}, files, None)
