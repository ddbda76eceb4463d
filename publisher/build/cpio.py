"""The cpio "newc" (SVR4, 070701) archive format, as RPM payloads use it."""

from __future__ import annotations

import shutil
from typing import BinaryIO

from publisher.build.tree import FILE, SYMLINK, Entry

MAGIC = b"070701"
TRAILER = "TRAILER!!!"


def _pad(length: int) -> bytes:
    return b"\0" * (-length % 4)


def _header(name: str, ino: int, mode: int, mtime: int, size: int, nlink: int) -> bytes:
    encoded = name.encode() + b"\0"
    # ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
    fields = (ino, mode, 0, 0, nlink, mtime, size, 0, 0, 0, 0, len(encoded), 0)
    head = MAGIC + b"".join(b"%08X" % value for value in fields) + encoded
    return head + _pad(len(head))


def write_cpio(out: BinaryIO, entries: list[Entry], names: list[str]) -> None:
    """Each entry under its archive name (same order as the RPM header's file list)."""
    for ino, (entry, name) in enumerate(zip(entries, names, strict=True), start=1):
        if entry.kind == FILE:
            out.write(_header(name, ino, entry.full_mode, entry.mtime, entry.size, 1))
            with entry.open() as stream:
                shutil.copyfileobj(stream, out)
            out.write(_pad(entry.size))
        elif entry.kind == SYMLINK:
            target = entry.linkto.encode()
            out.write(_header(name, ino, entry.full_mode, entry.mtime, len(target), 1))
            out.write(target + _pad(len(target)))
        else:
            out.write(_header(name, ino, entry.full_mode, entry.mtime, 0, 2))
    out.write(_header(TRAILER, 0, 0, 0, 0, 1))
