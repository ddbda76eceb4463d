"""Small responses of a local store kept in memory, each good while its file is unchanged.

`r2repo serve` answers most requests for the same few index files (InRelease, Packages.xz,
repomd.xml) and their 304 revalidations. routes decides each response once; the memo then
replays it for the same request while one stat shows the same file (inode, mtime, size: the
store's ETag) and the same access rules, as nginx's open_file_cache does for its files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from publisher.stores.base import FileVersion
from routes.access import Access

MAX_ENTRIES = 4096
MAX_BYTES = 64 * 1024 * 1024

# A request's memo key: method, path, query and every field routes reads for an object
# (If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since, Range, If-Range).
MemoKey = tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class Replay:
    """One response as routes decided it, and what it was decided against."""

    file: str
    version: FileVersion
    access: Access
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class ResponseMemo:
    """At most MAX_ENTRIES responses and MAX_BYTES of bodies; the oldest go first."""

    def __init__(self, file_version: Callable[[str], FileVersion | None]) -> None:
        self._file_version = file_version
        self._replays: dict[MemoKey, Replay] = {}
        self._bytes = 0

    def find(self, key: MemoKey, access: Access) -> Replay | None:
        replay = self._replays.get(key)
        if replay is None:
            return None
        if replay.access is access and self._file_version(replay.file) == replay.version:
            return replay
        self._drop(key)
        return None

    def keep(self, key: MemoKey, replay: Replay) -> None:
        if len(replay.body) > MAX_BYTES // 16:
            return
        self._drop(key)
        while self._replays and (
            len(self._replays) >= MAX_ENTRIES or self._bytes + len(replay.body) > MAX_BYTES
        ):
            self._drop(next(iter(self._replays)))
        self._replays[key] = replay
        self._bytes += len(replay.body)

    def _drop(self, key: MemoKey) -> None:
        replay = self._replays.pop(key, None)
        if replay is not None:
            self._bytes -= len(replay.body)
