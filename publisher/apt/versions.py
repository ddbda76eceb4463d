"""Debian version order over Packages stanzas: the index's sort, and the newest to keep."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import total_ordering

from debian.debian_support import Version

from publisher.core.retention import keep_newest


@total_ordering
class _VersionKey:
    """Debian version order, but a Version is built only when two different strings meet:
    in a sort by (name, version, arch) most comparisons are decided by the name."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        assert isinstance(other, _VersionKey)
        return self.text == other.text or Version(self.text) == Version(other.text)

    def __lt__(self, other: _VersionKey) -> bool:
        return self.text != other.text and Version(self.text) < Version(other.text)


def sort_entries(stanzas: Iterable[Mapping[str, str]]) -> list:  # type: ignore[type-arg]
    """A stable order for reproducible indexes: name, then version (Debian order), then arch."""
    return sorted(
        stanzas,
        key=lambda s: (s["Package"], _VersionKey(s["Version"]), s["Architecture"]),
    )


Key = tuple[str, str, str]  # (Package, Version, Architecture), as apt/index.py's PoolKey


def newest(entries: Mapping[Key, Mapping[str, str]], keep: int) -> set[Key]:
    """The keys of the newest `keep` versions of each package and architecture (Debian order)."""
    kept = keep_newest(entries, keep, group=lambda k: (k[0], k[2]), version=lambda k: Version(k[1]))
    return set(kept)
