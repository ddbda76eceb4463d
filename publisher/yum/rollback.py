"""`r2repo rollback --rpm-path`: an earlier state of an RPM root made current again in one
compare-and-swap on repomd.xml, with a fresh revision and signature.

The state is the one an entry of its history names (publisher/yum/history.py): its packages, read
back from the primary, filelists and other.xml it lists, are rendered again like any commit's
(each package's XML as stored), so the new repomd.xml carries its own gc record and history
entry. A state whose metadata or packages are gone is refused before anything is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from publisher.clock import release_time
from publisher.core.history import SHORT_ID, HistoryEntry, bring_back, changes, gone
from publisher.core.marker import check_repository
from publisher.core.outcome import Outcome
from publisher.core.placement import Placement
from publisher.core.transaction import with_retries
from publisher.core.uploads import Reporter
from publisher.errors import R2repoError
from publisher.hashing import digest_bytes
from publisher.signing.gnupg import Signer
from publisher.stores import Store
from publisher.yum.history import entry_hrefs, metadata_kind
from publisher.yum.publish import RpmChange, _Planner
from publisher.yum.rpmpkg import describe_nevra
from publisher.yum.state import METADATA_TYPES, metadata_packages, read_rpm_root


def _metadata(store: Store, root: str, entry: HistoryEntry) -> dict[str, tuple[str, bytes]]:
    """The entry's primary, filelists and other.xml, checked against the sha256 in each name."""
    files: dict[str, tuple[str, bytes]] = {}
    for href in entry_hrefs(entry):
        data = store.get_bytes(f"{root}/{href}")
        if data is None:
            raise gone(entry, f"{root}/{href}")
        if not href.rsplit("/", 1)[-1].startswith(digest_bytes(data).sha256 + "-"):
            raise R2repoError(f"--to {entry.short_id}: {root}/{href} does not hold what it names")
        files[metadata_kind(href)] = (href, data)
    if set(files) != set(METADATA_TYPES):
        raise R2repoError(f"--to {entry.short_id}: the entry does not name a whole state")
    return files


def rollback_root(
    store: Store,
    root: str,
    entry: HistoryEntry,
    signer: Signer,
    now: Callable[[], float] = release_time,
    progress: Reporter | None = None,
    clock: Callable[[], float] = time.time,
) -> Outcome:
    """Make the state of `entry` current again; retried when another publisher commits first."""
    check_repository(store, writing=True)
    target = metadata_packages(_metadata(store, root, entry))

    def attempt() -> Outcome:
        state = read_rpm_root(store, root)
        planner = _Planner(
            store, RpmChange(root=root, rollback_to=entry.id), Placement(store), state
        )
        current = {nevra: package.pkgId for nevra, package in state.packages.items()}
        added, removed = changes(current, {nevra: p.pkgId for nevra, p in target.items()})
        planner.result.added = [describe_nevra(nevra) for nevra in sorted(added)]
        planner.result.removed = [describe_nevra(nevra) for nevra in sorted(removed)]
        if not added and not removed:
            planner.result.notices.append(f"{root} is in that state already; nothing changed")
            return planner.result
        current_files = {package.location_href for package in state.packages.values()}
        back = {package.location_href for package in target.values()} - current_files
        bring_back(store, entry, {f"{root}/{href}" for href in back})
        return planner.render_and_commit(dict(target), [], signer, int(now()), clock(), progress)

    return with_retries(attempt, f"RPM repository {root} (rollback to {entry.id[:SHORT_ID]})")
