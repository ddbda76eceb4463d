"""The OpenPGP signature an .rpm carries over its main header, and whether a keyring accepts it.

rpm and dnf (gpgcheck=1) check the header-only signature (RSA tag, or DSA for old keys); the
payload is covered by the digests the signed header holds. Signing changes only the signature
header, so two files with the same main header and payload size are one package signed
differently (or not at all).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import createrepo_c as cr

from publisher.errors import PackageError
from publisher.signing.verify import SignatureChecker
from publisher.stores import Store
from publisher.yum.rpmpkg import HEADER_MAGIC, LEAD_SIZE, _signature_header

SIGTAG_DSA = 267
SIGTAG_RSA = 268  # any non-DSA key's header signature (RSA, EdDSA), despite its name
BIN_TYPE = 7
MISSING = "missing from the store"


@dataclass(frozen=True)
class RpmHeaders:
    signature: bytes | None  # the OpenPGP signature over `header`, if the package has one
    header: bytes  # the main header, as signed
    payload_size: int

    def same_package(self, other: RpmHeaders) -> bool:
        """The same header and payload, whatever signs them."""
        return self.header == other.header and self.payload_size == other.payload_size


def _header_end(data: bytes, start: int) -> int:
    """Where the header structure at `start` ends (data must hold its first 16 bytes)."""
    if data[start : start + 4] != HEADER_MAGIC:
        raise PackageError("no header magic")
    entries, store_size = struct.unpack(">II", data[start + 8 : start + 16])
    return start + 16 + 16 * entries + store_size


def read_headers(stream: BinaryIO, file_size: int) -> RpmHeaders:
    """The signature and main header of the .rpm `stream` reads, nothing of its payload."""
    data = b""

    def need(size: int) -> None:
        nonlocal data
        while len(data) < size:
            chunk = stream.read(size - len(data))
            if not chunk:
                raise PackageError("truncated header")
            data += chunk

    need(LEAD_SIZE + 16)
    signature_end = _header_end(data, LEAD_SIZE)
    need(signature_end + (-signature_end % 8) + 16)
    index, store, header_start = _signature_header(data)
    header_end = _header_end(data, header_start)
    need(header_end)
    signature = None
    for tag in (SIGTAG_RSA, SIGTAG_DSA):
        kind, offset, count = index.get(tag, (0, 0, 0))
        if kind == BIN_TYPE:
            signature = store[offset : offset + count]
            break
    return RpmHeaders(signature, data[header_start:header_end], file_size - header_end)


def file_headers(path: Path) -> RpmHeaders:
    with open(path, "rb") as stream:
        return read_headers(stream, path.stat().st_size)


def stored_headers(store: Store, key: str, size: int) -> RpmHeaders:
    with store.open_read(key) as stream:
        return read_headers(stream, size)


def stored_signature_problem(
    store: Store, root: str, package: cr.Package, checker: SignatureChecker
) -> str | None:
    """signature_problem of a package of the RPM root `root`, as its primary entry places it
    (MISSING when the store lacks it)."""
    key = f"{root}/{package.location_href}"
    try:
        headers = stored_headers(store, key, int(package.size_package))
    except FileNotFoundError:
        return MISSING
    except PackageError as error:
        return f"unreadable header ({error})"
    return signature_problem(headers, checker)


def signature_problem(headers: RpmHeaders, checker: SignatureChecker) -> str | None:
    """None when a key of the checker's keyring signed the header, else why not."""
    if headers.signature is None:
        return "not signed"
    reason = checker.detached(headers.signature, headers.header)
    return None if reason is None else f"bad signature ({reason})"
