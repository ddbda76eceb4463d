"""A package upload planned onto a free key creates it without a HEAD; anything else is checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.core.uploads import commit, package_upload
from publisher.errors import ConflictError
from publisher.hashing import sha256_file
from publisher.stores.local import LocalStore

KEY = "pool/main/p/p/p_1_all.deb"


class CountingStore(LocalStore):
    """A real local store that counts HEADs."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.heads = 0

    def head(self, key):  # type: ignore[no-untyped-def]
        self.heads += 1
        return super().head(key)


def _package(tmp_path: Path, data: bytes) -> tuple[Path, str]:
    path = tmp_path / "p_1_all.deb"
    path.write_bytes(data)
    return path, sha256_file(path)


def test_a_free_key_is_created_without_asking(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "s")
    path, sha = _package(tmp_path, b"deb")
    stats = commit(store, [package_upload(KEY, path, sha, 3, absent=True)])
    assert (stats.put, store.heads) == (1, 0)
    assert store.get_bytes(KEY) == b"deb"


def test_same_bytes_written_meanwhile_are_kept(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "s")
    path, sha = _package(tmp_path, b"deb")
    store.put_bytes(KEY, b"deb")  # another publisher, after this one planned
    stats = commit(store, [package_upload(KEY, path, sha, 3, absent=True)])
    assert (stats.put, stats.touched) == (0, 1)
    assert store.heads >= 1


def test_other_bytes_written_meanwhile_are_a_conflict(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "s")
    path, sha = _package(tmp_path, b"deb")
    store.put_bytes(KEY, b"other")
    with pytest.raises(ConflictError):
        commit(store, [package_upload(KEY, path, sha, 3, absent=True)])
    assert store.get_bytes(KEY) == b"other"


def test_an_upload_not_planned_absent_asks_first(tmp_path: Path) -> None:
    store = CountingStore(tmp_path / "s")
    path, sha = _package(tmp_path, b"deb")
    commit(store, [package_upload(KEY, path, sha, 3)])
    assert store.heads == 1
