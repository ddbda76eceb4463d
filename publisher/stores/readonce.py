"""A command's reads of a remote store, fetched together and answered once from memory.

A publish reads a handful of small objects before it writes anything (InRelease or
repomd.xml, the followers' versions, the trust-root key files, the repository marker, the
indexes by hash, the gc record), and several parts of it ask for the same ones. Over a wide
link each read is a round trip: `read_ahead` fetches a batch in parallel (one round trip), and
until this command writes or deletes anything, a read of a fetched key is answered from that
batch. Any write or delete forgets them all, so what a commit reads after its first write (a
lost compare-and-swap, a follower's current version, a retry's new state) is always the
store's answer (`held` defers that to its end: the metadata a commit renders while its
packages upload is planned from the batch, as it would be before them); a check that must
see the store as it is now reads through `fresh`. The compare-and-swap's ETag is the one read
at the start, as the protocol wants (docs/design.md): the store, not this cache, decides
whether it still holds.

A local store is used as it is: its reads cost a system call each.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from publisher.stores.base import LocalFiles, ObjectInfo, Store

Answer = tuple[bytes, ObjectInfo] | None


class ReadOnce:
    """`store` with `read_ahead` batches; every other call goes to `store` unchanged."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.url = store.url
        self.upload_workers = store.upload_workers
        self.create_only_first = store.create_only_first
        self._answers: dict[str, Answer] = {}
        self._lock = threading.Lock()
        self._holds = 0

    def __getattr__(self, name: str) -> object:
        # upload_workers, create_only_first and whatever else the store offers
        return getattr(self.store, name)

    # -- the batch --------------------------------------------------------------------------

    def read_ahead(self, keys: Sequence[str]) -> None:
        with self._lock:
            wanted = list(dict.fromkeys(k for k in keys if k not in self._answers))
        if not wanted:
            return
        if len(wanted) == 1:
            answers = [self.store.get_with_info(wanted[0])]
        else:
            with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
                answers = list(pool.map(self.store.get_with_info, wanted))
        with self._lock:
            self._answers.update(zip(wanted, answers, strict=True))

    def _forget(self) -> None:
        with self._lock:
            if not self._holds:
                self._answers.clear()

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        with self._lock:
            self._holds += 1
        try:
            yield
        finally:
            with self._lock:
                self._holds -= 1
            self._forget()  # what was written meanwhile: the next reads ask the store

    def _known(self, key: str) -> tuple[bool, Answer]:
        with self._lock:
            if key in self._answers:
                return True, self._answers[key]
        return False, None

    # -- reads ------------------------------------------------------------------------------

    def head(self, key: str) -> ObjectInfo | None:
        known, answer = self._known(key)
        if known:
            return None if answer is None else answer[1]
        return self.store.head(key)

    def get_bytes(self, key: str) -> bytes | None:
        known, answer = self._known(key)
        if known:
            return None if answer is None else answer[0]
        return self.store.get_bytes(key)

    def get_with_info(self, key: str) -> tuple[bytes, ObjectInfo] | None:
        known, answer = self._known(key)
        return answer if known else self.store.get_with_info(key)

    def open_read(self, key: str, start: int = 0) -> BinaryIO:
        return self.store.open_read(key, start)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        return self.store.list(prefix)

    def ancestors(self) -> list[Store]:
        return self.store.ancestors()

    # -- writes: each one forgets the batch -------------------------------------------------

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> ObjectInfo:
        self._forget()
        return self.store.put_bytes(key, data, if_match=if_match, if_none_match=if_none_match)

    def put_file(
        self, key: str, path: Path, *, sha256: str | None = None, if_none_match: bool = False
    ) -> ObjectInfo:
        self._forget()
        return self.store.put_file(key, path, sha256=sha256, if_none_match=if_none_match)

    def touch(self, key: str) -> bool:
        self._forget()
        return self.store.touch(key)

    def copy(
        self,
        source_key: str,
        target_key: str,
        *,
        sha256: str | None = None,
        if_none_match: bool = False,
    ) -> ObjectInfo:
        self._forget()
        return self.store.copy(source_key, target_key, sha256=sha256, if_none_match=if_none_match)

    def delete(self, key: str) -> None:
        self._forget()
        self.store.delete(key)


def read_once(store: Store) -> Store:
    """The store a command reads its planning objects through (see the module's text)."""
    if isinstance(store, (LocalFiles, ReadOnce)):
        return store
    return ReadOnce(store)


def fresh(store: Store) -> Store:
    """`store` without the batch: its reads always ask the store."""
    return store.store if isinstance(store, ReadOnce) else store


def held(store: Store) -> contextlib.AbstractContextManager[None]:
    """Writes to `store` forget its batch only when this ends (see the module's text)."""
    return store.hold() if isinstance(store, ReadOnce) else contextlib.nullcontext()


def read_ahead(store: Store, keys: Sequence[str]) -> None:
    """Fetch `keys` in one parallel batch when `store` answers later reads from it."""
    if isinstance(store, ReadOnce):
        store.read_ahead(keys)
