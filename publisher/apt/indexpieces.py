"""A big Packages compressed in pieces, reusing the pieces of the Packages it replaces.

Compressing a big Packages whole is most of a publish into a big dist, even for one changed
stanza (adding one `Architecture: all` package changes every architecture's Packages). The text
is cut into pieces at stanza boundaries chosen by the content (before a
package whose name's CRC32 is a multiple of PIECE_DIVISOR, once a piece holds PIECE_MIN bytes),
so adding or removing a package changes the piece it falls in and rarely another. Each piece is
compressed on its own: a gzip member each (a gzip file may hold several, and every reader reads
them as one: zlib's gzread, which apt uses, gzip, Python), an xz block each inside one stream
(see xzstream). A piece whose text the previous index holds is copied from it, never trusted
blindly: a gzip member is inflated to find its text, an xz block's CRC32 must match the text.

Small indexes stay one piece, which is byte for byte what compressing the whole text gives.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from publisher.apt.xzstream import Block, compress_block, join_blocks, split_stream

# Packages text is mostly checksums, which no setting compresses much: the fastest xz preset and
# gzip's default level cost a few percent of size and save most of the time (docs/benchmarks.md).
XZ_PRESET = 0
GZIP_LEVEL = 6
# Pieces of about half a megabyte: big enough to compress about as well as the whole text.
PIECE_MIN = 128 << 10
PIECE_DIVISOR = 512
WHOLE_BELOW = 1 << 20  # a text smaller than this is one piece


@dataclass(frozen=True)
class Previous:
    """The index a rendering replaces, as the store holds it."""

    text: bytes  # the plain Packages
    gz: bytes | None
    xz: bytes | None


# The two compressions, the slower first: its pieces are handed to the workers first.
KINDS = ("xz", "gz")
Compressed = bytes | Block  # a gzip member or an xz block
# By kind, the compressed pieces of the previous index by the SHA-256 of their text (piece_id).
Reusable = dict[str, dict[bytes, Compressed]]


def piece_id(piece: bytes) -> bytes:
    return hashlib.sha256(piece).digest()


def cut(sorted_stanzas: Sequence[Mapping[str, str]]) -> list[bytes]:
    """The Packages text of `sorted_stanzas` (stanzas joined by a blank line), in pieces whose
    concatenation is that text; none is empty."""
    texts = [stanza.dump() for stanza in sorted_stanzas]  # type: ignore[attr-defined]
    if sum(len(text) for text in texts) < WHOLE_BELOW:
        return ["\n".join(texts).encode("utf-8")] if texts else []
    pieces: list[bytes] = []
    start, size, previous_name = 0, 0, ""
    for number, stanza in enumerate(sorted_stanzas):
        name = stanza["Package"]
        if (
            size >= PIECE_MIN
            and name != previous_name
            and zlib.crc32(name.encode("utf-8")) % PIECE_DIVISOR == 0
        ):
            pieces.append(("\n".join(texts[start:number]) + "\n").encode("utf-8"))
            start, size = number, 0
        size += len(texts[number]) + 1
        previous_name = name
    pieces.append("\n".join(texts[start:]).encode("utf-8"))
    return pieces


def reusable(previous: Previous | None) -> Reusable:
    """What of `previous` can be copied instead of compressed (nothing when it is unreadable)."""
    found: Reusable = {kind: {} for kind in KINDS}
    if previous is None:
        return found
    if previous.gz is not None:
        found["gz"] = _gzip_members(previous.gz)
    if previous.xz is not None:
        blocks = split_stream(previous.xz) or []
        if sum(block.uncompressed_size for block in blocks) == len(previous.text):
            offset = 0
            for block in blocks:
                text = previous.text[offset : offset + block.uncompressed_size]
                offset += block.uncompressed_size
                if zlib.crc32(text) == block.crc32:
                    found["xz"][piece_id(text)] = block
    return found


def _gzip_members(data: bytes) -> dict[bytes, Compressed]:
    members: dict[bytes, Compressed] = {}
    view = memoryview(data)
    offset = 0
    while offset < len(data):
        inflater = zlib.decompressobj(31)
        try:
            text = inflater.decompress(view[offset:])
        except zlib.error:
            return members
        if not inflater.eof:
            return members
        end = len(data) - len(inflater.unused_data)
        members[piece_id(text)] = data[offset:end]
        offset = end
    return members


def compress_piece(kind: str, piece: bytes) -> Compressed:
    if kind == "gz":
        return gzip.compress(piece, compresslevel=GZIP_LEVEL, mtime=0)
    return compress_block(piece, XZ_PRESET)


def assemble(kind: str, compressed: list[Compressed]) -> bytes:
    """The file of `kind` made of its compressed pieces (what compress_piece gave), in order."""
    if kind == "gz":
        if not compressed:
            return gzip.compress(b"", compresslevel=GZIP_LEVEL, mtime=0)
        return b"".join(cast(list[bytes], compressed))
    return join_blocks(cast(list[Block], compressed))
