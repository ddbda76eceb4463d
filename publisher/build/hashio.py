"""A writable stream that counts and hashes what passes through it to another stream."""

from __future__ import annotations

import hashlib
from typing import BinaryIO


class HashingWriter:
    def __init__(self, sink: BinaryIO, *algorithms: str) -> None:
        self.sink = sink
        self.size = 0
        self.hashes = {name: hashlib.new(name) for name in algorithms}

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.size += len(data)
        for digest in self.hashes.values():
            digest.update(data)
        return self.sink.write(data)

    def flush(self) -> None:
        self.sink.flush()

    def hexdigest(self, name: str) -> str:
        return self.hashes[name].hexdigest()
