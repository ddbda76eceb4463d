"""Serialise an RPM header: intro, index entries sorted by tag, aligned data, immutable region."""

from __future__ import annotations

import struct
from collections.abc import Sequence

from publisher.build.rpmtags import Type

MAGIC = b"\x8e\xad\xe8\x01\x00\x00\x00\x00"
ALIGN = {Type.INT16: 2, Type.INT32: 4, Type.INT64: 8}
INT_FORMATS = {Type.CHAR: "B", Type.INT8: "B", Type.INT16: "H", Type.INT32: "I", Type.INT64: "Q"}
REGION_SIZE = 16

Value = str | bytes | Sequence[str] | Sequence[int]


def _encode(kind: Type, value: Value) -> tuple[bytes, int]:
    """The data bytes and the index count for one value."""
    if kind == Type.STRING:
        assert isinstance(value, str)
        return value.encode() + b"\0", 1
    if kind in (Type.STRING_ARRAY, Type.I18NSTRING):
        items = [value] if isinstance(value, str) else list(value)
        return b"".join(str(item).encode() + b"\0" for item in items), len(items)
    if kind == Type.BIN:
        assert isinstance(value, bytes)
        return value, len(value)
    numbers = [value] if isinstance(value, int) else list(value)  # type: ignore[list-item]
    # Unsigned on disk: rpm reads FILEMODES as uint16 and verify flags as uint32.
    mask = (1 << (8 * struct.calcsize(INT_FORMATS[kind]))) - 1
    data = struct.pack(f">{len(numbers)}{INT_FORMATS[kind]}", *(n & mask for n in numbers))
    return data, len(numbers)


class Header:
    """Tags and values; `to_bytes` lays them out the way rpm's strict reader checks them."""

    def __init__(self, tags: dict[str, tuple[int, Type]], region_tag: int) -> None:
        self.tags = tags
        self.region_tag = region_tag
        self.values: dict[int, tuple[Type, Value]] = {}

    def add(self, name: str, value: Value) -> None:
        tag, kind = self.tags[name]
        self.values[tag] = (kind, value)

    def to_bytes(self) -> bytes:
        index: list[bytes] = []
        data = bytearray()
        for tag in sorted(self.values):
            kind, value = self.values[tag]
            encoded, count = _encode(kind, value)
            pad = -len(data) % ALIGN.get(kind, 1)
            data += b"\0" * pad
            index.append(struct.pack(">IIiI", tag, kind, len(data), count))
            data += encoded
        # The region: its entry comes first and points at a trailer closing the data; the
        # trailer's negative offset is the size of the index the region covers.
        entries = len(index) + 1
        region = struct.pack(">IIiI", self.region_tag, Type.BIN, len(data), REGION_SIZE)
        trailer = struct.pack(">IIiI", self.region_tag, Type.BIN, -entries * 16, REGION_SIZE)
        data += trailer
        intro = MAGIC + struct.pack(">II", entries, len(data))
        return intro + region + b"".join(index) + bytes(data)
