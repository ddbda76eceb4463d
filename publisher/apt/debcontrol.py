"""The control file of an ordinary .deb, found without python-debian's archive classes.

python-debian's `DebFile` builds ar and tar objects and member wrappers for each package: in a
fresh publish of many packages that would be most of the time. The layout of a .deb is fixed
(deb(5): an ar archive whose second member is control.tar, compressed or not), so the common
case is read here with a few slices. Anything this reader does not
expect (pax or GNU long-name headers, an unknown compression, a bad checksum, a truncated
member) returns None, and the caller reads the file with python-debian instead, which also
gives the error message for a broken file. Both readers decompress control.tar here, with a bound.
"""

from __future__ import annotations

import bz2
import io
import lzma
import os
import tarfile
import zlib
from collections.abc import Callable
from typing import Any

import zstandard

from publisher.errors import PackageError

AR_MAGIC = b"!<arch>\n"
AR_HEADER = 60
TAR_BLOCK = 512
CONTROL_NAMES = (b"./control", b"control")
REGULAR_FILE = (b"0", b"\0")
# control.tar holds a few small files (the largest in Debian, with long md5sums lists, are a few
# MiB). It is read into memory by every reading process, so it may be at most this big, stored or
# decompressed: a small crafted member that expands to gigabytes (a decompression bomb) is refused
# before it fills the memory, and the bound is loose enough for any real package.
MAX_CONTROL_TAR = 64 << 20


# The compressions python-debian reads besides zstd; dpkg itself writes only gz, xz and zst.
_STREAMS: dict[str, Callable[[], Any]] = {
    "control.tar.gz": lambda: zlib.decompressobj(16 + zlib.MAX_WBITS),
    "control.tar.xz": lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ),
    "control.tar.lzma": lambda: lzma.LZMADecompressor(lzma.FORMAT_ALONE),
    "control.tar.bz2": bz2.BZ2Decompressor,
}
CONTROL_MEMBERS = frozenset(("control.tar", "control.tar.zst", *_STREAMS))


def control_tar_too_big(name: str) -> PackageError:
    return PackageError(f"{name} is larger than {MAX_CONTROL_TAR >> 20} MiB")


def _read_bounded(read: Callable[[int], bytes], limit: int) -> bytes:
    """Up to limit + 1 bytes from `read(n)`: one byte over the limit is enough to refuse."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = read(limit + 1 - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def expand_control_tar(name: str, data: bytes) -> bytes | None:
    """The tar in control.tar member `name`, or None when it is damaged or of an unknown
    compression. Decompressed as a stream with a bound: PackageError past MAX_CONTROL_TAR."""
    limit = MAX_CONTROL_TAR
    try:
        if name == "control.tar":
            tar = data
        elif name == "control.tar.zst":
            tar = _read_bounded(zstandard.ZstdDecompressor().stream_reader(data).read, limit)
        elif name in _STREAMS:
            stream = _STREAMS[name]()
            tar = stream.decompress(data, limit + 1)
            if len(tar) <= limit and not stream.eof:
                return None  # truncated
        else:
            return None
    except (zlib.error, lzma.LZMAError, zstandard.ZstdError, OSError, EOFError):
        return None
    if len(tar) > limit:
        raise control_tar_too_big(name)
    return tar


def control_text_in(name: str, size: int, read: Callable[[], bytes]) -> str:
    """The text of ./control in the control.tar member `name` of `size` bytes that `read` gives,
    in any layout tarfile reads (the reader of unusual packages); PackageError says why not."""
    if size > MAX_CONTROL_TAR:
        raise control_tar_too_big(name)
    tar = expand_control_tar(name, read())
    if tar is None:
        raise PackageError(f"{name} cannot be decompressed")
    try:
        with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as archive:
            for info in archive:
                if info.name.encode() in CONTROL_NAMES:
                    member = archive.extractfile(info) if info.isfile() else None
                    if member is None:
                        raise PackageError(f"{name}: control is not a regular file")
                    return member.read().decode("utf-8")
    except tarfile.TarError as exc:
        raise PackageError(f"{name}: {exc}") from exc
    raise PackageError(f"{name} holds no control file")


def _octal(field: bytes) -> int | None:
    digits = field.rstrip(b"\0 ").lstrip(b" ")
    if not digits:
        return 0
    try:
        return int(digits, 8)
    except ValueError:
        return None  # base-256 sizes and garbage: leave them to the library


def _control_in_tar(tar: bytes) -> bytes | None:
    offset = 0
    while offset + TAR_BLOCK <= len(tar):
        header = tar[offset : offset + TAR_BLOCK]
        if not header.strip(b"\0"):
            return None  # end of archive without a control file
        checksum = _octal(header[148:156])
        computed = sum(header[:148]) + 8 * 0x20 + sum(header[156:])
        size = _octal(header[124:136])
        if checksum != computed or size is None or header[156:157] not in REGULAR_FILE + (b"5",):
            return None
        name = header[:100].split(b"\0", 1)[0]
        if header[257:262] == b"ustar" and header[345] != 0:
            name = header[345:500].split(b"\0", 1)[0] + b"/" + name
        offset += TAR_BLOCK
        if name in CONTROL_NAMES:
            body = tar[offset : offset + size]
            return body if len(body) == size else None
        offset += -(-size // TAR_BLOCK) * TAR_BLOCK
    return None


def read_control_text(path: str) -> str | None:
    """The text of ./control in an ordinary .deb, or None to have python-debian read it."""
    with open(path, "rb") as handle:
        file_size = os.fstat(handle.fileno()).st_size
        if handle.read(len(AR_MAGIC)) != AR_MAGIC:
            return None
        control: bytes | None = None
        names: list[str] = []
        position = len(AR_MAGIC)
        while position < file_size:
            handle.seek(position)
            header = handle.read(AR_HEADER)
            if len(header) != AR_HEADER or header[58:60] != b"`\n":
                return None
            size = _decimal(header[48:58])
            if size is None or position + AR_HEADER + size > file_size:
                return None  # truncated: the library names the member in its error
            name = header[:16].rstrip(b" ").rstrip(b"/").decode("ascii", "replace")
            names.append(name)
            if control is None and name.startswith("control.tar"):
                if size > MAX_CONTROL_TAR:
                    raise control_tar_too_big(name)
                tar = expand_control_tar(name, handle.read(size))
                if tar is None:
                    return None
                control = _control_in_tar(tar)
                if control is None:
                    return None
            position += AR_HEADER + size + size % 2
    if (
        control is None
        or names[0] != "debian-binary"
        or not any(n.startswith("data.tar") for n in names)
    ):
        return None
    try:
        return control.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decimal(field: bytes) -> int | None:
    """ar sizes are decimal, space padded."""
    digits = field.strip(b" ")
    return int(digits) if digits.isdigit() else None
