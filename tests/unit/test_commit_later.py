"""commit(later=...): uploads still being prepared are asked for once the packages are written."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from publisher.cli.progress import LineReporter
from publisher.core.uploads import Phase, Upload, commit, package_upload
from publisher.hashing import sha256_file
from publisher.stores.base import ObjectInfo
from publisher.stores.local import LocalStore
from publisher.stores.readonce import ReadOnce, read_ahead

PACKAGE = "rpm/Packages/p/p-1-1.noarch.rpm"
HASHED_KEY = "dists/d/main/binary-all/by-hash/SHA512/abc"


def _package(tmp_path: Path) -> Upload:
    path = tmp_path / "p-1-1.noarch.rpm"
    path.write_bytes(b"rpm bytes")
    return package_upload(PACKAGE, path, sha256_file(path), 9, absent=True)


def test_later_uploads_follow_the_packages_in_phase_order(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    seen_when_asked: list[bool] = []
    lines: list[str] = []

    def later() -> list[Upload]:
        seen_when_asked.append(store.head(PACKAGE) is not None)
        return [
            Upload("rpm/repodata/repomd.xml", Phase.ENTRY, data=b"<repomd/>"),
            Upload("rpm/repodata/abc-primary.xml.gz", Phase.HASHED, data=b"primary"),
        ]

    stats = commit(store, [_package(tmp_path)], LineReporter(lines.append), later=later)
    assert seen_when_asked == [True]  # asked for once, after the package was written
    assert stats.put == 3
    assert [line.split()[1] for line in lines] == [
        PACKAGE,
        "rpm/repodata/abc-primary.xml.gz",  # HASHED before ENTRY, whatever order later gave
        "rpm/repodata/repomd.xml",
    ]
    assert lines[-1].endswith("(3/3)")  # the reporter's total grew by what later added


def test_later_may_not_add_packages(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")

    def later() -> list[Upload]:
        return [Upload("rpm/Packages/q/q.rpm", Phase.STANDALONE, data=b"q")]

    with pytest.raises(ValueError, match="after the STANDALONE phase"):
        commit(store, [_package(tmp_path)], later=later)
    assert store.head("rpm/Packages/q/q.rpm") is None


class _WideLink(LocalStore):
    """A store worth several uploads at once, whose package PUT lasts until `later` is asked
    for (or 5 s): the PUT of a remote store, a round trip long."""

    upload_workers = 4

    def __init__(self, root: Path, later_asked: threading.Event) -> None:
        super().__init__(root)
        self.later_asked = later_asked
        self.overlapped: list[bool] = []

    def put_file(self, key: str, path: Path, **options: Any) -> ObjectInfo:
        self.overlapped.append(self.later_asked.wait(5))
        return super().put_file(key, path, **options)


def test_on_a_remote_store_later_runs_while_the_packages_upload(tmp_path: Path) -> None:
    asked = threading.Event()
    inner = _WideLink(tmp_path / "store", asked)
    inner.put_bytes("state.json", b"read at the start")
    store = ReadOnce(inner)
    read_ahead(store, ["state.json"])
    inner.put_bytes("state.json", b"written since")  # behind the batch's back
    seen: list[bytes | None] = []

    def later() -> list[Upload]:
        asked.set()
        seen.append(store.get_bytes("state.json"))
        return [Upload("rpm/repodata/abc-primary.xml.gz", Phase.HASHED, data=b"primary")]

    stats = commit(store, [_package(tmp_path)], later=later)
    assert inner.overlapped == [True]  # the package PUT was in flight when later was asked
    # What later plans from is the batch, as before any write, although the package's PUT
    # (a write) happened meanwhile; once the packages are written the batch is forgotten.
    assert seen == [b"read at the start"]
    assert store.get_bytes("state.json") == b"written since"
    assert stats.put == 2
    assert inner.head("rpm/repodata/abc-primary.xml.gz") is not None


class _SlowPackageLink(LocalStore):
    """A remote-like store whose package PUT lasts until the by-hash object is there (or 5 s),
    and which notes, for every other write, whether the package was there yet."""

    upload_workers = 4

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.hashed_written = threading.Event()
        self.package_there_when: dict[str, bool] = {}

    def put_file(self, key: str, path: Path, **options: Any) -> ObjectInfo:
        self.hashed_written.wait(5)
        return super().put_file(key, path, **options)

    def put_bytes(self, key: str, data: bytes, **options: Any) -> ObjectInfo:
        self.package_there_when[key] = self.head(PACKAGE) is not None
        info = super().put_bytes(key, data, **options)
        if key == HASHED_KEY:
            self.hashed_written.set()
        return info


def test_hashed_uploads_go_up_beside_the_packages_and_plain_indexes_after(tmp_path: Path) -> None:
    store = _SlowPackageLink(tmp_path / "store")

    def later() -> list[Upload]:
        return [
            Upload("dists/d/main/binary-all/Packages", Phase.INDEX, data=b"plain"),
            Upload(HASHED_KEY, Phase.HASHED, data=b"plain", absent_when_planned=True),
            Upload("dists/d/InRelease", Phase.ENTRY, data=b"signed"),
        ]

    stats = commit(store, [_package(tmp_path)], later=later)
    assert stats.put == 4
    assert store.package_there_when == {
        HASHED_KEY: False,  # written while the package PUT was still in flight
        "dists/d/main/binary-all/Packages": True,  # a plain index names only files that exist
        "dists/d/InRelease": True,
    }


class _SlowHashedLink(LocalStore):
    """A remote-like store whose by-hash PUT lasts until the plain index is there (or 5 s)."""

    upload_workers = 4

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.index_written = threading.Event()
        self.hashed_there_when_index_written: list[bool] = []

    def put_bytes(self, key: str, data: bytes, **options: Any) -> ObjectInfo:
        if "/by-hash/" in key:
            self.index_written.wait(5)
        elif key.endswith("/Packages"):
            self.hashed_there_when_index_written.append(self.head(HASHED_KEY) is not None)
            info = super().put_bytes(key, data, **options)
            self.index_written.set()
            return info
        return super().put_bytes(key, data, **options)


def test_plain_indexes_do_not_wait_for_the_hashed_objects(tmp_path: Path) -> None:
    store = _SlowHashedLink(tmp_path / "store")
    index = Upload("dists/d/main/binary-all/Packages", Phase.INDEX, data=b"plain")
    hashed = Upload(HASHED_KEY, Phase.HASHED, data=b"plain")
    entry = Upload("dists/d/InRelease", Phase.ENTRY, data=b"signed")
    stats = commit(store, [_package(tmp_path)], later=lambda: [entry, index, hashed])
    assert stats.put == 4
    assert store.hashed_there_when_index_written == [False]
    assert store.head("dists/d/InRelease") is not None
