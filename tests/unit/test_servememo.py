"""The serve memo: a replay only while its file and the access rules are unchanged."""

from __future__ import annotations

import os
from pathlib import Path

from publisher.serve import memo as servememo
from publisher.serve.memo import Replay, ResponseMemo
from publisher.stores.local import LocalStore
from routes.access import PUBLIC, Access

KEY = ("GET", "/dists/x/InRelease", "", None, None, None, None, None, None)


def _replay(store: LocalStore, name: str, body: bytes = b"x", access: Access = PUBLIC) -> Replay:
    file = store.file_of(name)
    version = store.file_version(file)
    assert version is not None
    return Replay(file, version, access, 200, [("etag", "e")], body)


def _write(root: Path, name: str, data: bytes) -> None:
    """As the store writes: a new file renamed over the old one."""
    (root / (name + ".tmp")).write_bytes(data)
    os.replace(root / (name + ".tmp"), root / name)


def test_replay_until_the_file_is_replaced(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    _write(tmp_path, "InRelease", b"one")
    memo = ResponseMemo(store.file_version)
    memo.keep(KEY, _replay(store, "InRelease"))
    assert memo.find(KEY, PUBLIC) is not None
    assert memo.find(KEY[:-1] + ("bytes=0-1",), PUBLIC) is None  # another request
    _write(tmp_path, "InRelease", b"two")
    assert memo.find(KEY, PUBLIC) is None
    assert memo.find(KEY, PUBLIC) is None  # and it was dropped


def test_no_replay_once_the_file_is_gone(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    _write(tmp_path, "InRelease", b"one")
    memo = ResponseMemo(store.file_version)
    memo.keep(KEY, _replay(store, "InRelease"))
    (tmp_path / "InRelease").unlink()
    assert memo.find(KEY, PUBLIC) is None


def test_no_replay_under_other_access_rules(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    _write(tmp_path, "InRelease", b"one")
    memo = ResponseMemo(store.file_version)
    memo.keep(KEY, _replay(store, "InRelease"))
    assert memo.find(KEY, Access({"": True})) is None


def test_bounded_in_entries(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(servememo, "MAX_ENTRIES", 3)
    store = LocalStore(tmp_path)
    _write(tmp_path, "f", b"1")
    memo = ResponseMemo(store.file_version)
    keys = [("GET", f"/{n}") for n in range(5)]
    for key in keys:
        memo.keep(key, _replay(store, "f"))
    assert [memo.find(key, PUBLIC) is not None for key in keys] == [False, False, True, True, True]


def test_bounded_in_bytes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(servememo, "MAX_BYTES", 1600)  # a body over 100 bytes is never kept
    store = LocalStore(tmp_path)
    _write(tmp_path, "f", b"1")
    memo = ResponseMemo(store.file_version)
    memo.keep(("GET", "/big"), _replay(store, "f", b"b" * 101))
    assert memo.find(("GET", "/big"), PUBLIC) is None
    keys = [("GET", f"/{n}") for n in range(20)]
    for key in keys:
        memo.keep(key, _replay(store, "f", b"b" * 100))
    kept = [memo.find(key, PUBLIC) is not None for key in keys]
    assert kept == [False] * 4 + [True] * 16
    memo.keep(keys[19], _replay(store, "f", b"b" * 100))  # kept again: counted once
    assert sum(memo.find(key, PUBLIC) is not None for key in keys) == 16
