"""A change planned once by the pre-commit check and reused by the publish that follows.

Planning reads the repository's state and places every package: for a big dist (or a big RPM
root's metadata) doing it in the check and again in the publish would double the work. Both
repository kinds hand their checked plan over the same way, through this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from publisher.core.placement import Placement
from publisher.stores import Store


class Planner(Protocol):
    placement: Placement

    def apply(self) -> Any: ...


PlannerT = TypeVar("PlannerT", bound=Planner)
Entries = TypeVar("Entries")


@dataclass(frozen=True)
class CheckedPlan(Generic[PlannerT, Entries]):
    """A change applied to the repository as it stood when checked. It stays good while the
    entry point the commit swaps (`anchor`: InRelease, repomd.xml) keeps the ETag it had."""

    change: object
    planner: PlannerT
    entries: Entries
    anchor: str
    anchor_etag: str | None

    def still_current(self, store: Store, change: object) -> bool:
        current = store.head(self.anchor)
        return self.change is change and (current.etag if current else None) == self.anchor_etag


class Plans(Generic[PlannerT, Entries]):
    """The plans of a publish's attempts: the checked one first while it is still current,
    then a fresh one per retry (a lost compare-and-swap means the state changed)."""

    def __init__(
        self,
        store: Store,
        change: object,
        checked: CheckedPlan[PlannerT, Entries] | None,
        make: Callable[[Placement], PlannerT],
    ) -> None:
        # The placement outlives a stale plan, as it outlives a retry: what it placed (and the
        # placement a multi-dist command shares, publisher/ops/dists.py) still holds.
        self.placement = checked.planner.placement if checked else Placement(store)
        if checked is not None and not checked.still_current(store, change):
            checked = None
        self._checked = checked
        self._make = make

    def next(self) -> tuple[PlannerT, Entries]:
        if self._checked is not None:
            checked, self._checked = self._checked, None
            return checked.planner, checked.entries
        planner = self._make(self.placement)
        return planner, planner.apply()
