"""commit(later=...): uploads still being prepared are asked for once the packages are written."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.cli.progress import LineReporter
from publisher.core.uploads import Phase, Upload, commit, package_upload
from publisher.hashing import sha256_file
from publisher.stores.local import LocalStore

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
