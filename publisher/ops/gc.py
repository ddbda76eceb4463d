"""`r2repo gc`: delete what no current index references and has not for the grace period.

"Since when unreferenced" comes from the records each commit signs into its Release
(publisher/apt/gcrecord.py) or its repomd.xml (publisher/yum/gcrecord.py). An object no
record mentions (the upload of a publish that lost or was killed, or an entry older than the
record's horizon) counts from its own last-modified time; a later time always wins, so an
object a publisher uploaded or refreshed again is safe for a whole grace period after that.
What the last `keep_states` states of each dist and RPM root need (their history entries,
publisher/core/history.py) counts as referenced, whatever its age: a rollback to them works.

Safety against a publish running at the same time: a publisher relies only on objects the
current index names (which cannot be collected for a grace period after they stop being named)
or on objects it uploads or refreshes itself (which are young). Right before deleting, gc
re-reads each dist's InRelease and each RPM root's repomd.xml and starts over if one changed,
and re-checks each object's time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from publisher.apt.gcrecord import dist_references, load_record
from publisher.apt.history import dist_history
from publisher.apt.history import state_keys as dist_state_keys
from publisher.apt.paths import dist_prefix
from publisher.apt.state import read_dist
from publisher.core.gcrecord import HORIZON_SECONDS
from publisher.core.history import DEFAULT_KEEP_STATES
from publisher.core.marker import MANAGED_PREFIXES, check_repository
from publisher.core.statekeys import is_state
from publisher.errors import R2repoError
from publisher.ops.listing import dist_names, rpm_roots
from publisher.stores import ObjectInfo, Store
from publisher.yum.gcrecord import MANAGED_DIRECTORIES, load_root_record, state_references
from publisher.yum.history import is_history_file, root_history
from publisher.yum.history import state_keys as root_state_keys
from publisher.yum.state import METADATA_TYPES, read_rpm_root, repomd_key

DEFAULT_GRACE_SECONDS = 48 * 3600  # dnf keeps metadata for 48 hours
ROOT_FILES = frozenset({"key.asc", "key.gpg"})
PLAN_ATTEMPTS = 5
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> float:
    """`48h`, `30m`, `2d`, `1w`, `90s` or a number of seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text)
    if not match:
        raise R2repoError(f"grace {text!r}: use a duration such as 48h, 30m, 2d or 3600")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


@dataclass
class References:
    keys: set[str] = field(default_factory=set)
    since: dict[str, float] = field(default_factory=dict)  # key -> unreferenced since
    anchors: dict[str, str | None] = field(default_factory=dict)  # entry point -> ETag
    prefixes: list[str] = field(default_factory=lambda: list(MANAGED_PREFIXES))  # looked at
    keep_states: int = DEFAULT_KEEP_STATES  # the last N states of each are referenced (history)


@dataclass
class GcPlan:
    delete: list[ObjectInfo] = field(default_factory=list)
    waiting: list[ObjectInfo] = field(default_factory=list)  # unreferenced, grace not over
    referenced: int = 0


def apt_references(store: Store, refs: References) -> None:
    for dist in dist_names(store):
        state = read_dist(store, dist)
        if not state.exists:
            continue
        if state.missing:
            raise R2repoError(
                f"{state.missing[0]}: missing, so what {dist_prefix(dist)} references is "
                "unknown; refusing to collect (run r2repo verify)"
            )
        refs.anchors[dist_prefix(dist) + "InRelease"] = state.inrelease_etag
        files = [stanza["Filename"] for c in state.components.values() for stanza in c.values()]
        digests = {path: entry.digests for path, entry in state.index_files.items()}
        refs.keys |= dist_references(dist, digests, files, state.record_sha256)
        for entry in list(dist_history(store, state, refs.keep_states))[1:]:
            refs.keys |= dist_state_keys(store, dist, entry)
        for key, since in load_record(store, dist, state.record_sha256).items():
            refs.since[key] = max(since, refs.since.get(key, since))


def rpm_references(store: Store, refs: References) -> None:
    for root in rpm_roots(store):
        try:
            state = read_rpm_root(store, root)
        except FileNotFoundError as missing:
            raise R2repoError(
                f"{missing}: missing, so what {root} references is unknown; refusing to collect "
                "(run r2repo verify)"
            ) from None
        if not state.exists:
            continue
        found = {f.type for f in state.repodata}
        if not set(METADATA_TYPES) <= found:
            raise R2repoError(
                f"{repomd_key(root)}: lists no {', '.join(sorted(set(METADATA_TYPES) - found))}, "
                "so what the root references is unknown; refusing to collect"
            )
        refs.anchors[repomd_key(root)] = state.repomd_etag
        refs.prefixes += [f"{root}/{directory}" for directory in MANAGED_DIRECTORIES]
        refs.keys |= state_references(state)
        for entry in list(root_history(store, state, refs.keep_states))[1:]:
            refs.keys |= root_state_keys(store, root, entry)
        for key, since in load_root_record(store, state).items():
            refs.since[key] = max(since, refs.since.get(key, since))


# One function per repository kind.
REFERENCE_READERS: list[Callable[[Store, References], None]] = [apt_references, rpm_references]


def references(store: Store, keep_states: int = DEFAULT_KEEP_STATES) -> References:
    refs = References(keys=set(ROOT_FILES), keep_states=keep_states)
    for reader in REFERENCE_READERS:
        reader(store, refs)
    return refs


def plan(
    store: Store, grace: float, now: float, keep_states: int = DEFAULT_KEEP_STATES
) -> tuple[GcPlan, References]:
    refs = references(store, keep_states)
    result = GcPlan()
    cutoff = now - grace
    for prefix in refs.prefixes:
        for info in store.list(prefix):
            # Whatever the prefixes say: state and history entries are never collected.
            if is_state(info.key) or is_history_file(info.key):
                continue
            if info.key in refs.keys:
                result.referenced += 1
                continue
            since = max(refs.since.get(info.key, info.last_modified), info.last_modified)
            (result.delete if since <= cutoff else result.waiting).append(info)
    return result, refs


def _anchors_unchanged(store: Store, refs: References) -> bool:
    current = {dist_prefix(d) + "InRelease" for d in dist_names(store)}
    current |= {repomd_key(root) for root in rpm_roots(store)}
    if current != set(refs.anchors):
        return False
    for key, etag in refs.anchors.items():
        info = store.head(key)
        if info is None or info.etag != etag:
            return False
    return True


def collect(
    store: Store,
    grace: float = DEFAULT_GRACE_SECONDS,
    *,
    now: Callable[[], float] = time.time,
    dry_run: bool = False,
    deleted: Callable[[ObjectInfo], None] = lambda info: None,
    keep_states: int = DEFAULT_KEEP_STATES,
) -> GcPlan:
    """Delete (or, with dry_run, only list) what has been unreferenced for `grace` seconds."""
    if grace < 0 or grace > HORIZON_SECONDS:
        raise R2repoError(
            f"grace {grace:.0f}s: must be between 0 and {HORIZON_SECONDS // 86400} days "
            "(the horizon of the records of when objects became unreferenced)"
        )
    check_repository(store, writing=False)
    for _ in range(PLAN_ATTEMPTS):
        result, refs = plan(store, grace, now(), keep_states)
        if dry_run:
            return result
        if _anchors_unchanged(store, refs):
            break
    else:
        raise R2repoError(f"{store.url}: publishes kept committing while gc planned; run it again")
    cutoff = now() - grace
    done: list[ObjectInfo] = []
    for info in result.delete:
        current = store.head(info.key)
        # Uploaded or refreshed again since the listing: a publisher relies on it now.
        if current is None or int(current.last_modified) > max(int(info.last_modified), cutoff):
            continue
        store.delete(info.key)
        done.append(info)
        deleted(info)
    result.delete = done
    return result
