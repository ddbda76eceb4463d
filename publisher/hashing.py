"""Checksums computed in one pass over the bytes, in the order Debian lists them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


@dataclass(frozen=True)
class Digests:
    size: int
    md5: str
    sha1: str
    sha256: str
    sha512: str


class _Hasher:
    def __init__(self) -> None:
        self.size = 0
        self.algos = [hashlib.md5(), hashlib.sha1(), hashlib.sha256(), hashlib.sha512()]

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        for algo in self.algos:
            algo.update(chunk)

    def digests(self) -> Digests:
        md5, sha1, sha256, sha512 = (a.hexdigest() for a in self.algos)
        return Digests(self.size, md5, sha1, sha256, sha512)


def digest_bytes(data: bytes) -> Digests:
    hasher = _Hasher()
    hasher.update(data)
    return hasher.digests()


def digest_file(path: Path) -> Digests:
    hasher = _Hasher()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
    return hasher.digests()


def digest_stream(stream) -> Digests:  # type: ignore[no-untyped-def]
    hasher = _Hasher()
    while chunk := stream.read(CHUNK):
        hasher.update(chunk)
    return hasher.digests()


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return sha256_stream(handle)


def sha256_stream(stream) -> str:  # type: ignore[no-untyped-def]
    algo = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        algo.update(chunk)
    return algo.hexdigest()
