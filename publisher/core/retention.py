"""`--keep N`: the newest N versions of each package and architecture, for either format."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from typing import Any, TypeVar

Item = TypeVar("Item")


def keep_newest(
    items: Iterable[Item],
    keep: int,
    group: Callable[[Item], Hashable],
    version: Callable[[Item], Any],
) -> list[Item]:
    """The `keep` items with the highest `version` in each `group`."""
    groups: dict[Hashable, list[Item]] = defaultdict(list)
    for item in items:
        groups[group(item)].append(item)
    kept: list[Item] = []
    for members in groups.values():
        members.sort(key=version, reverse=True)
        kept.extend(members[:keep])
    return kept
