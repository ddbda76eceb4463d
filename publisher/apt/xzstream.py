""".xz streams taken apart into their blocks and put together from blocks (xz file format 1.1).

A block is compressed on its own (LZMA2 starts afresh in each), so a stream may be assembled
from blocks compressed at different times: every xz decoder reads it as one ordinary stream.
That lets a big Packages.xz be rebuilt from the blocks of the previous one plus the few blocks
whose text changed (see indexpieces). Only CRC32-checked streams are made: the check of each
block is then the CRC32 of its text, which zlib computes, so a block is reused only after its
text is proven to be the one wanted.
"""

from __future__ import annotations

import lzma
import struct
import zlib
from dataclasses import dataclass

MAGIC = b"\xfd7zXZ\x00"
FOOTER_MAGIC = b"YZ"
CHECK_CRC32 = 0x01
FLAGS = bytes((0, CHECK_CRC32))
HEADER = MAGIC + FLAGS + struct.pack("<I", zlib.crc32(FLAGS))


@dataclass(frozen=True)
class Block:
    data: bytes  # block header, compressed data, padding and check, as stored
    unpadded_size: int
    uncompressed_size: int

    @property
    def crc32(self) -> int:
        """The CRC32 of the block's text, as its check field (after the padding) holds it."""
        return int.from_bytes(self.data[-4:], "little")


def _padded(size: int) -> int:
    return size + (-size % 4)


def _encode_int(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _decode_int(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    for offset in range(9):
        if at + offset >= len(data):
            break
        byte = data[at + offset]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at + offset + 1
        shift += 7
    raise ValueError("bad multibyte integer")


def compress_block(text: bytes, preset: int) -> Block:
    """`text` (not empty: an empty stream has no block) compressed as one CRC32-checked block."""
    if not text:
        raise ValueError("an empty text has no block")
    blocks = split_stream(lzma.compress(text, preset=preset, check=lzma.CHECK_CRC32))
    assert blocks is not None and len(blocks) == 1
    return blocks[0]


def split_stream(data: bytes) -> list[Block] | None:
    """The blocks of a single CRC32-checked .xz stream; None for anything else (other checks,
    several streams, damage): the caller then has nothing to reuse."""
    if len(data) < 24 or data[:12] != HEADER or data[-2:] != FOOTER_MAGIC:
        return None
    footer = data[-12:]
    backward_size, flags = struct.unpack("<I2s", footer[4:10])
    if flags != FLAGS or struct.unpack("<I", footer[:4])[0] != zlib.crc32(footer[4:10]):
        return None
    index_size = (backward_size + 1) * 4
    index_start = len(data) - 12 - index_size
    if index_start < 12:
        return None
    index = data[index_start : len(data) - 12]
    if index[0] != 0 or struct.unpack("<I", index[-4:])[0] != zlib.crc32(index[:-4]):
        return None
    try:
        count, at = _decode_int(index, 1)
        records = []
        for _ in range(count):
            unpadded, at = _decode_int(index, at)
            uncompressed, at = _decode_int(index, at)
            records.append((unpadded, uncompressed))
    except ValueError:
        return None
    blocks = []
    position = 12
    for unpadded, uncompressed in records:
        end = position + _padded(unpadded)
        blocks.append(Block(data[position:end], unpadded, uncompressed))
        position = end
    return blocks if position == index_start else None


def join_blocks(blocks: list[Block]) -> bytes:
    """One .xz stream holding `blocks` in order."""
    index = bytearray(b"\x00")
    index += _encode_int(len(blocks))
    for block in blocks:
        index += _encode_int(block.unpadded_size) + _encode_int(block.uncompressed_size)
    index += bytes(-len(index) % 4)
    index += struct.pack("<I", zlib.crc32(index))
    tail = struct.pack("<I", len(index) // 4 - 1) + FLAGS
    footer = struct.pack("<I", zlib.crc32(tail)) + tail + FOOTER_MAGIC
    return b"".join([HEADER, *(block.data for block in blocks), bytes(index), footer])
