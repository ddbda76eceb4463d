"""The object store as `handle` sees it: the R2 binding in the Worker, a Store in `serve`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from routes.conditional import Conditions
from routes.ranges import ByteRange, RangeNotSatisfiable

__all__ = [
    "Bucket",
    "ByteRange",
    "Conditions",
    "Listing",
    "ObjectMeta",
    "RangeNotSatisfiable",
    "StoredObject",
]


@dataclass(frozen=True, slots=True)
class ObjectMeta:
    key: str
    size: int
    etag: str  # strong, quoted: '"abc"'
    last_modified: float  # seconds since the epoch


@dataclass(frozen=True, slots=True)
class StoredObject:
    meta: ObjectMeta
    # The bytes to send, as a handle only the adapter understands. None: the bucket itself
    # refused on a precondition (R2 does); `handle` then evaluates the conditions against `meta`.
    body: object | None
    # Inclusive (start, end) actually in `body`, or None for the whole object.
    range: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    objects: list[ObjectMeta] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)  # "directories", each ending in delimiter
    cursor: str | None = None  # pass back to continue; None when the listing is complete


class Bucket(Protocol):
    async def get(
        self, key: str, byte_range: ByteRange | None, conditions: Conditions
    ) -> StoredObject | None:
        """The object (None when there is no such key).

        Raises RangeNotSatisfiable when `byte_range` starts beyond the object. The bucket may
        evaluate `conditions` itself and then answer with `body=None`, or ignore them.
        """
        ...

    async def head(self, key: str) -> ObjectMeta | None: ...

    async def list(self, prefix: str, delimiter: str | None, cursor: str | None) -> Listing: ...

    async def read(self, key: str) -> bytes | None:
        """The whole object as bytes (None when absent): only for small metadata files
        such as `Release`, `key.gpg` and the access rules, never for package files."""
        ...
