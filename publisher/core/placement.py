"""Where a new package file goes in the store, without ever overwriting different bytes."""

from __future__ import annotations

from pathlib import Path

from publisher.core.uploads import Upload, package_upload, stored_sha256
from publisher.errors import KeyTakenError
from publisher.stores import Store


class Placement:
    """Decides package keys for one publish; remembers what it placed across CAS retries."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.placed: dict[str, str] = {}  # key -> sha256 of the bytes this run put there
        self.absent: set[str] = set()  # keys the store did not have when this run looked

    def existing_sha256(self, key: str) -> str | None:
        if key in self.placed:
            return self.placed[key]
        found = stored_sha256(self.store, key)  # one HEAD on S3: uploads record the sha256
        if found is None:
            self.absent.add(key)
        return found

    def upload(self, key: str, source: Path, sha256: str, size: int) -> Upload:
        """The upload of a placed package; one onto a key that held nothing skips its HEAD."""
        return package_upload(key, source, sha256, size, absent=key in self.absent)

    def place(self, source: Path, sha256: str, key: str, unique_key: str, replace: bool) -> str:
        """`key`, or `unique_key` when `key` holds other bytes and the user asked to replace."""
        if not replace and self.store.create_only_first:
            # The create-only PUT of the commit answers what a HEAD would (see uploads).
            self.absent.add(key)
            self.placed[key] = sha256
            return key
        existing = self.existing_sha256(key)
        if existing is not None and existing != sha256:
            if not replace:
                raise KeyTakenError(source, key)
            # Never overwrite: clients holding the old index still fetch the old bytes.
            key = unique_key
        self.placed[key] = sha256
        return key
