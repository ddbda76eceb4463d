"""The commit order every publish follows, so a client never sees a broken repository."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from publisher.stores import Store


class Phase(IntEnum):
    PACKAGE = 0  # pool/ and Packages/ files: nothing references them yet
    HASHED = 1  # content-addressed indexes: by-hash/, repodata/<hash>-*
    INDEX = 2  # plain indexes, for clients that do not fetch by hash
    ENTRY = 3  # signed entry points, in the order given, the compare-and-swap first


@dataclass(frozen=True)
class Upload:
    key: str
    phase: Phase
    data: bytes | None = None
    path: Path | None = None
    # Content-addressed objects already present are the same bytes: skip them.
    skip_if_present: bool = False
    if_match: str | None = None
    if_none_match: bool = False


def commit(store: Store, uploads: Iterable[Upload], progress: Callable[[Upload], None]) -> int:
    """Write in phase order (stable within a phase); returns how many objects were written."""
    written = 0
    for upload in sorted(uploads, key=lambda u: u.phase):
        if upload.skip_if_present and store.head(upload.key) is not None:
            continue
        if upload.path is not None:
            store.put_file(upload.key, upload.path)
        else:
            assert upload.data is not None
            store.put_bytes(
                upload.key,
                upload.data,
                if_match=upload.if_match,
                if_none_match=upload.if_none_match,
            )
        written += 1
        progress(upload)
    return written
