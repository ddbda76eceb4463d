"""Payload compression shared by both formats: xz or zstd, deterministic for the same input."""

from __future__ import annotations

import lzma
from typing import BinaryIO

import zstandard

# dpkg-deb's default xz preset; zstd at the level Fedora's rpmbuild uses (w19.zstdio).
LEVELS = {"xz": 6, "zstd": 19}


def compressing_writer(kind: str, sink: BinaryIO) -> BinaryIO:
    """A writable stream compressing into `sink`; closing it finishes the frame, not `sink`."""
    if kind == "xz":
        return lzma.LZMAFile(sink, "wb", format=lzma.FORMAT_XZ, preset=LEVELS["xz"])  # type: ignore[return-value]
    if kind == "zstd":
        # Single-threaded: the frame is the same from build to build.
        compressor = zstandard.ZstdCompressor(level=LEVELS["zstd"], write_checksum=True)
        return compressor.stream_writer(sink, closefd=False)  # type: ignore[return-value]
    raise ValueError(kind)
