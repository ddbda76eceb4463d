"""One byte range per RFC 9110 section 14: parse `Range`, resolve it against a size.

`parse_range_spec` needs no size, so it can go with the request to the bucket (the R2 binding
takes `{offset, length}` or `{suffix}`); `ByteRange.resolve` then gives inclusive `(start, end)`.
"""

from __future__ import annotations

from dataclasses import dataclass

_DIGITS = frozenset("0123456789")
# R2's (and S3's) largest object, 5 TiB: a position past it is past the end of any object, so
# it is answered 416 without asking the bucket. The Worker hands positions to R2 as JavaScript
# numbers, exact only up to 2^53; these never come near that.
MAX_OBJECT_BYTES = 5 * 2**40


class MalformedRange(ValueError):
    """The Range header must be ignored: not parseable, another unit, or several ranges."""


class RangeNotSatisfiable(Exception):
    """No byte of the requested range exists; answered 416 with `Content-Range: bytes */size`."""

    def __init__(self, size: int | None = None) -> None:
        super().__init__("range not satisfiable" if size is None else f"size is {size}")
        self.size = size


@dataclass(frozen=True, slots=True)
class ByteRange:
    """`offset` (+ `length`, None = to the end) or `suffix` (the last `suffix` bytes)."""

    offset: int | None = None
    length: int | None = None
    suffix: int | None = None

    def field(self) -> str:
        """This range as a Range field of one range, for a cache that evaluates ranges itself."""
        if self.suffix is not None:
            return f"bytes=-{self.suffix}"
        start = self.offset or 0
        end = "" if self.length is None else str(start + self.length - 1)
        return f"bytes={start}-{end}"

    def resolve(self, size: int) -> tuple[int, int] | None:
        """Inclusive `(start, end)` within `size` bytes; None means send the whole (empty) body."""
        if self.suffix is not None:
            if self.suffix == 0:
                raise RangeNotSatisfiable(size)
            if size == 0:
                return None  # RFC 9110 14.1.1: satisfiable, but there is no byte to send
            return max(0, size - self.suffix), size - 1
        start = self.offset or 0
        if start >= size:
            raise RangeNotSatisfiable(size)
        if self.length is None:
            return start, size - 1
        return start, min(start + self.length, size) - 1


def _number(text: str) -> int:
    text = text.strip(" \t")
    if not text or not _DIGITS.issuperset(text) or len(text) > 19:
        raise MalformedRange(text)
    return int(text)


def parse_range_spec(header: str) -> ByteRange:
    """`bytes=a-b`, `bytes=a-` or `bytes=-n` as a ByteRange; raises MalformedRange otherwise,
    RangeNotSatisfiable for a start past the largest object a bucket holds.

    Several ranges (dnf/librepo with zchunk send `bytes=a-b,c-d`) raise MalformedRange: they
    are answered with the whole object, never with a 206 of one of them. Empty list elements
    count for nothing (RFC 9110 5.6.1), so `bytes=0-1, ` is one range."""
    unit, sep, spec = header.partition("=")
    if not sep or unit.strip(" \t").lower() != "bytes":
        raise MalformedRange(header)
    if "," in spec:
        parts = [p for p in spec.split(",") if p.strip(" \t")]
        if len(parts) != 1:
            raise MalformedRange("several ranges")  # answered with the full 200
        spec = parts[0]
    first, dash, last = spec.partition("-")
    if not dash:
        raise MalformedRange(header)
    if not first.strip(" \t"):
        return ByteRange(suffix=min(_number(last), MAX_OBJECT_BYTES))  # more than all: all
    start = _number(first)
    end = _number(last) if last.strip(" \t") else None
    if end is not None and end < start:
        raise MalformedRange(header)  # an invalid range-spec: the header is ignored
    if start >= MAX_OBJECT_BYTES:
        raise RangeNotSatisfiable(None)
    if end is None or end >= MAX_OBJECT_BYTES:
        return ByteRange(offset=start)  # to the end
    return ByteRange(offset=start, length=end - start + 1)
