"""The change one commit applies to a repository's entries, for either format.

A dist's `(name, version, arch) -> stanza` and an RPM root's `NEVRA -> repodata entry` change
the same way: a package with the same bytes is unchanged, other bytes under the same key are a
conflict unless replacing, each removal must match something, and `--keep N` drops the oldest.
What differs (how a package is keyed, placed and described, which versions a removal may name,
which versions are newest) is the format's `FormatRules`.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Generic, Protocol, TypeVar

from publisher.core.outcome import Outcome
from publisher.core.removal import Removal
from publisher.errors import R2repoError

Key = TypeVar("Key", bound=Hashable)
Entry = TypeVar("Entry")
Package = TypeVar("Package")


class FormatRules(Protocol, Generic[Key, Package, Entry]):
    where: str  # the repository, as messages name it: "stable/main", "rpm"

    def key_of(self, package: Package) -> Key: ...

    def same_bytes(self, entry: Entry, package: Package) -> bool: ...

    def conflict(self, package: Package) -> Exception:
        """The error for other bytes under a key that is taken (without --replace)."""
        ...

    def add(self, package: Package) -> Entry:
        """Place the package's file and plan its upload; its entry in the index."""
        ...

    def matches(self, removal: Removal, key: Key, entry: Entry) -> bool: ...

    def newest(self, entries: Mapping[Key, Entry], keep: int) -> set[Key]: ...

    def describe(self, key: Key) -> str: ...


def apply_change(
    rules: FormatRules[Key, Package, Entry],
    current: Mapping[Key, Entry],
    packages: Iterable[Package],
    removals: Iterable[Removal],
    keep: int | None,
    replace: bool,
    result: Outcome,
) -> dict[Key, Entry]:
    """The entries after the change; `result` says what was added, unchanged and removed."""
    entries = dict(current)
    for package in packages:
        key = rules.key_of(package)
        old = entries.get(key)
        if old is not None and rules.same_bytes(old, package):
            result.unchanged.append(rules.describe(key))
            continue
        if old is not None and not replace:
            raise rules.conflict(package)
        entries[key] = rules.add(package)
        result.added.append(rules.describe(key))
    for removal in removals:
        matched = [key for key, entry in entries.items() if rules.matches(removal, key, entry)]
        if not matched:
            raise R2repoError(f"{removal}: not in {rules.where}")
        for key in matched:
            del entries[key]
            result.removed.append(rules.describe(key))
    if keep is not None:
        for key in sorted(set(entries) - rules.newest(entries, keep)):  # type: ignore[type-var]
            del entries[key]
            result.removed.append(rules.describe(key))
    return entries
