"""routes' Bucket over a synchronous Store, for `r2repo serve`: bodies opened only to be sent."""

from __future__ import annotations

import asyncio
from typing import BinaryIO

from publisher.stores.base import LocalFiles, ObjectInfo, Store, StoreError
from routes import ByteRange, Conditions, Listing, ObjectMeta, StoredObject

LIST_LIMIT = 1000


def _meta(info: ObjectInfo) -> ObjectMeta:
    return ObjectMeta(info.key, info.size, info.etag, info.last_modified)


class FileBody:
    """The body handle of `serve`: `length` bytes of `key` from `start`, opened only to send."""

    __slots__ = ("store", "key", "etag", "start", "length")

    def __init__(self, store: Store, key: str, etag: str, start: int, length: int) -> None:
        self.store = store
        self.key = key
        self.etag = etag
        self.start = start
        self.length = length

    def open(self) -> BinaryIO | None:
        """The stream, or None when the object is gone or no longer the one decided on."""
        try:
            stream = self.store.open_read(self.key, self.start)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, StoreError):
            return None
        try:
            info = self.store.head(self.key)  # after the open: the stream is this version
        except (OSError, StoreError):
            info = None
        if info is None or info.etag != self.etag:
            stream.close()
            return None
        return stream


class StoreBucket:
    """routes' Bucket over a synchronous Store; conditions are left to routes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # A local stat is cheaper than a thread hop; a remote store must not block the loop.
        self.offload = not isinstance(store, LocalFiles)

    def _head(self, key: str) -> ObjectMeta | None:
        try:
            info = self.store.head(key)
        except (OSError, StoreError):  # e.g. a name too long for the file system
            return None
        return None if info is None else _meta(info)

    async def head(self, key: str) -> ObjectMeta | None:
        if self.offload:
            return await asyncio.to_thread(self._head, key)
        return self._head(key)

    async def get(
        self, key: str, byte_range: ByteRange | None, conditions: Conditions
    ) -> StoredObject | None:
        meta = await self.head(key)
        if meta is None:
            return None
        span = byte_range.resolve(meta.size) if byte_range is not None else None
        start, length = (0, meta.size) if span is None else (span[0], span[1] - span[0] + 1)
        return StoredObject(meta, FileBody(self.store, key, meta.etag, start, length), span)

    def _list(self, prefix: str, delimiter: str | None, cursor: str | None) -> Listing:
        objects: list[ObjectMeta] = []
        prefixes: list[str] = []
        last: str | None = None
        for info in self.store.list(prefix):
            key = info.key
            if cursor is not None and (key <= cursor or key.startswith(cursor)):
                continue  # a cursor ending in the delimiter skips that whole "directory"
            if last is not None and last.endswith(delimiter or "\0") and key.startswith(last):
                continue
            if len(objects) + len(prefixes) >= LIST_LIMIT:
                return Listing(objects, prefixes, last)
            cut = key.find(delimiter, len(prefix)) if delimiter else -1
            if cut >= 0:
                last = key[: cut + len(delimiter or "")]
                prefixes.append(last)
            else:
                last = key
                objects.append(_meta(info))
        return Listing(objects, prefixes, None)

    async def list(self, prefix: str, delimiter: str | None, cursor: str | None) -> Listing:
        return await asyncio.to_thread(self._list, prefix, delimiter, cursor)

    async def read(self, key: str) -> bytes | None:
        """None only when the key does not exist; any failure of the store is raised, so
        the access rules are never taken for absent when they only could not be read."""
        if self.offload:
            return await asyncio.to_thread(self.store.get_bytes, key)
        return self.store.get_bytes(key)
