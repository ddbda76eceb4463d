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
