"""Fingerprints and user IDs of the public keys in an OpenPGP keyring (RFC 9580 packets).

Enough to show a key's identity on the landing page without GnuPG (the Worker has none).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

PUBLIC_KEY = 6
USER_ID = 13


@dataclass(slots=True)
class PublicKey:
    fingerprint: str  # upper-case hex, as `gpg --show-keys` prints it
    user_ids: list[str] = field(default_factory=list)


def dearmor(text: bytes) -> bytes:
    """The binary packets of an ASCII-armored block (checksum line and headers dropped)."""
    lines = text.decode("ascii", "replace").splitlines()
    body: list[str] = []
    inside = in_headers = False
    for line in lines:
        if line.startswith("-----BEGIN PGP"):
            inside = in_headers = True
            continue
        if line.startswith("-----END PGP"):
            break
        if not inside:
            continue
        if in_headers:
            if not line.strip():
                in_headers = False
            elif ":" not in line:  # no headers at all: this is already data
                in_headers = False
                body.append(line.strip())
            continue
        if line.startswith("="):
            continue
        body.append(line.strip())
    try:
        return base64.b64decode("".join(body))
    except (binascii.Error, ValueError):
        return b""


def _packets(data: bytes):
    i, n = 0, len(data)
    while i < n:
        header = data[i]
        if not header & 0x80:
            return
        i += 1
        if header & 0x40:  # new format
            tag = header & 0x3F
            if i >= n:
                return
            first = data[i]
            if first < 192:
                length, i = first, i + 1
            elif first < 224:
                if i + 1 >= n:
                    return
                length, i = ((first - 192) << 8) + data[i + 1] + 192, i + 2
            elif first == 255:
                length, i = int.from_bytes(data[i + 1 : i + 5], "big"), i + 5
            else:
                return  # partial lengths never occur in keys
        else:  # old format
            tag = (header >> 2) & 0x0F
            size = {0: 1, 1: 2, 2: 4}.get(header & 3)
            if size is None:
                return
            length, i = int.from_bytes(data[i : i + size], "big"), i + size
        yield tag, data[i : i + length]
        i += length


def public_keys(data: bytes) -> list[PublicKey]:
    """The primary keys in `data` (binary or armored), each with its user IDs."""
    if data.lstrip().startswith(b"-----BEGIN"):
        data = dearmor(data)
    keys: list[PublicKey] = []
    for tag, body in _packets(data):
        if tag == PUBLIC_KEY and body:
            if body[0] == 4:
                digest = hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body)
            elif body[0] in (5, 6):
                digest = hashlib.sha256(bytes([0x9A if body[0] == 5 else 0x9B]))
                digest.update(len(body).to_bytes(4, "big") + body)
            else:
                continue
            keys.append(PublicKey(digest.hexdigest().upper()))
        elif tag == USER_ID and keys:
            keys[-1].user_ids.append(body.decode("utf-8", "replace"))
    return keys
