"""The contract every store satisfies (local directory, S3/R2)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str  # strong ETag, quoted, as HTTP carries it
    last_modified: float  # seconds since the epoch
    # The SHA-256 the publisher recorded when it wrote the object (S3 metadata), if the store
    # keeps one; None means "hash the bytes to know".
    sha256: str | None = None


class StoreError(Exception):
    """A store operation failed in a way the user must hear about."""


class PreconditionFailed(StoreError):
    """A conditional put lost: the object changed since it was read."""


class Store(Protocol):
    """Object storage with conditional puts (If-Match / If-None-Match)."""

    url: str
    upload_workers: int  # uploads worth running at once against this store
    # A request costs a round trip: a new key is written create-only at once (the 412 answers
    # what a HEAD before it would), instead of asked about first.
    create_only_first: bool

    def head(self, key: str) -> ObjectInfo | None: ...

    def get_bytes(self, key: str) -> bytes | None: ...

    def get_with_info(self, key: str) -> tuple[bytes, ObjectInfo] | None:
        """The bytes and the ETag of one version of the object, for a later compare-and-swap."""
        ...

    def open_read(self, key: str, start: int = 0) -> BinaryIO:
        """A binary stream positioned at `start`; FileNotFoundError when absent."""
        ...

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> ObjectInfo:
        """Write `data`; with `if_match` (an ETag) or `if_none_match`, PreconditionFailed when
        the object is not that version (or exists): the compare-and-swap of a commit."""
        ...

    def put_file(
        self, key: str, path: Path, *, sha256: str | None = None, if_none_match: bool = False
    ) -> ObjectInfo:
        """Write a file's bytes; `sha256`, when known, is recorded beside the object."""
        ...

    def touch(self, key: str) -> bool:
        """Make the object's time now without sending its bytes again; False if it cannot."""
        ...

    def warm(self, connections: int) -> None:
        """A hint, returning at once: the next step will send up to `connections` requests
        together, so a remote store opens that many connections now, while the link is idle,
        instead of one round trip (two with TLS) into each request. Others do nothing."""
        ...

    def copy(
        self,
        source_key: str,
        target_key: str,
        *,
        sha256: str | None = None,
        if_none_match: bool = False,
    ) -> ObjectInfo:
        """Put the bytes of `source_key` under `target_key` inside the store, without sending
        them from here (S3 CopyObject, a hard link); `sha256`, when known, is recorded beside
        the copy. With `if_none_match`, PreconditionFailed when `target_key` exists; StoreError
        when `source_key` does not."""
        ...

    def delete(self, key: str) -> None: ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with `prefix`, in key order."""
        ...

    def ancestors(self) -> list[Store]:
        """The same storage seen from each folder above this location, nearest first, up to
        the top of the bucket or the file system (the place a server of a wider root reads)."""
        ...


# What one stat(2) says of a file: (inode, mtime in ns, size). Every write of a local store is
# the rename of a fresh file, so this changes whenever the bytes do.
FileVersion = tuple[int, int, int]


@runtime_checkable
class LocalFiles(Protocol):
    """A store whose objects are files on this machine (the local store; never S3).

    Its readers may send a file by path (sendfile), re-check a file by one stat instead of
    reading it, and read it on the event loop: its reads are system calls, cheaper than a
    thread hop.
    """

    link_inputs: bool  # create-only puts of files hard-link the input instead of copying it

    def file_of(self, key: str) -> str:
        """The path of the file holding `key` (which may not exist)."""
        ...

    def file_version(self, file: str) -> FileVersion | None:
        """What `file` is now (one stat), None when it is gone."""
        ...

    def etag_of_version(self, version: FileVersion) -> str:
        """The ETag `head` gives the object while its file is at `version`."""
        ...
