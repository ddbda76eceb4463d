"""`r2repo history` and `r2repo rollback` over either format: which dist or RPM root, its
entries newest first, the entry `--to` names, and the rollback commit (apt/ and yum/rollback.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from publisher.core.history import HistoryEntry, find
from publisher.core.marker import check_repository
from publisher.core.outcome import Outcome
from publisher.core.uploads import Reporter
from publisher.errors import R2repoError
from publisher.signing.gnupg import Signer
from publisher.stores import Store


@dataclass(frozen=True)
class Target:
    """One dist (`dist`) or one RPM root (`rpm_path`)."""

    dist: str | None = None
    rpm_path: str | None = None

    @property
    def where(self) -> str:
        return f"dist {self.dist}" if self.dist is not None else f"RPM repository {self.rpm_path}"


def entries(store: Store, target: Target, limit: int | None = None) -> Iterator[HistoryEntry]:
    """The target's history, newest first; an unknown dist or root is refused."""
    check_repository(store, writing=False)
    if target.dist is not None:
        from publisher.apt.history import dist_history
        from publisher.apt.state import read_dist

        dist = read_dist(store, target.dist)
        if not dist.exists:
            raise R2repoError(f"--dist {target.dist}: no such dist in {store.url}")
        return dist_history(store, dist, limit)
    from publisher.yum.history import root_history
    from publisher.yum.state import read_rpm_root

    assert target.rpm_path is not None
    root = read_rpm_root(store, target.rpm_path, packages=False)
    if not root.exists:
        raise R2repoError(f"--rpm-path {target.rpm_path}: no RPM repository there in {store.url}")
    return root_history(store, root, limit)


def resolve(store: Store, target: Target, to: str) -> HistoryEntry:
    """The entry of the target's history whose id starts with `to`."""
    return find(entries(store, target), to, target.where)


def rollback(
    store: Store,
    target: Target,
    entry: HistoryEntry,
    signer: Signer,
    progress: Reporter | None = None,
) -> Outcome:
    if target.dist is not None:
        from publisher.apt.rollback import rollback_dist

        return rollback_dist(store, target.dist, entry, signer, progress=progress)
    from publisher.yum.rollback import rollback_root

    assert target.rpm_path is not None
    return rollback_root(store, target.rpm_path, entry, signer, progress=progress)
