"""The local directory store: atomic writes, conditional puts, listing, key checks."""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

import pytest

from publisher.stores import PreconditionFailed, StoreError
from publisher.stores.local import LocalStore


def test_put_get_head_list_delete(tmp_path):
    store = LocalStore(tmp_path / "s")
    info = store.put_bytes("a/b/c.txt", b"hello")
    assert info.size == 5 and info.etag.startswith('"')
    assert store.get_bytes("a/b/c.txt") == b"hello"
    assert store.head("a/b/c.txt") == info
    store.put_bytes("a/z", b"1")
    store.put_bytes("b", b"2")
    assert [i.key for i in store.list("a/")] == ["a/b/c.txt", "a/z"]
    assert [i.key for i in store.list()] == ["a/b/c.txt", "a/z", "b"]
    store.delete("a/z")
    assert store.head("a/z") is None and store.get_bytes("a/z") is None


def test_etag_changes_with_every_write(tmp_path):
    store = LocalStore(tmp_path)
    first = store.put_bytes("k", b"same")
    second = store.put_bytes("k", b"same")
    assert first.etag != second.etag


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "./a", "a/."])
def test_invalid_keys_are_refused(tmp_path, key):
    with pytest.raises(StoreError):
        LocalStore(tmp_path).put_bytes(key, b"x")
    assert list(LocalStore(tmp_path).list()) == []


def test_create_if_absent_has_one_winner(tmp_path):
    """If-None-Match links a finished file in without the lock: one of many writers wins."""
    store = LocalStore(tmp_path / "s")

    def create(number: int) -> bool:
        try:
            store.put_bytes("k", str(number).encode() * 1000, if_none_match=True)
        except PreconditionFailed:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        won = [n for n, ok in zip(range(32), pool.map(create, range(32)), strict=True) if ok]
    assert len(won) == 1
    assert store.get_bytes("k") == str(won[0]).encode() * 1000
    assert os.stat(tmp_path / "s" / "k").st_mode & 0o777 == 0o644
    assert sorted(os.listdir(tmp_path / "s")) == ["k"]  # no temporary file left behind


@pytest.mark.parametrize("unnamed", [True, False], ids=["O_TMPFILE", "named temporary file"])
def test_create_only_either_way(tmp_path, monkeypatch, unnamed):
    """A new package file is created unnamed (O_TMPFILE) where it can be, else via a temp name."""
    if unnamed:
        monkeypatch.setattr(tempfile, "mkstemp", None)  # the named way must not be taken
    else:
        monkeypatch.delattr(os, "O_TMPFILE")
    os.umask(old := os.umask(0o077))  # a narrow umask must not make served files unreadable
    try:
        os.umask(0o077)
        store = LocalStore(tmp_path / "s")
        source = tmp_path / "in.rpm"
        source.write_bytes(b"r" * 70_000)
        info = store.put_file("rpm/Packages/p/p.rpm", source, if_none_match=True)
    finally:
        os.umask(old)
    target = tmp_path / "s" / "rpm" / "Packages" / "p" / "p.rpm"
    assert target.read_bytes() == b"r" * 70_000
    assert store.head("rpm/Packages/p/p.rpm") == info
    assert os.stat(target).st_mode & 0o777 == 0o644
    with pytest.raises(PreconditionFailed):
        store.put_file("rpm/Packages/p/p.rpm", source, if_none_match=True)
    assert os.listdir(target.parent) == ["p.rpm"]


def test_link_inputs_falls_back_to_a_copy_across_file_systems(tmp_path, monkeypatch):
    import errno

    store = LocalStore(tmp_path / "s", link_inputs=True)
    source = tmp_path / "in.deb"
    source.write_bytes(b"d" * 5000)
    real_link = os.link

    def cross_device(src, dst, *args, **kwargs):
        if str(src) == str(source):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", cross_device)
    store.put_file("pool/x.deb", source, if_none_match=True)
    target = tmp_path / "s" / "pool" / "x.deb"
    assert target.read_bytes() == b"d" * 5000
    assert os.stat(target).st_ino != os.stat(source).st_ino
    with pytest.raises(PreconditionFailed):
        store.put_file("pool/x.deb", source, if_none_match=True)
    monkeypatch.setattr(os, "link", real_link)
    store.put_file("pool/y.deb", source, if_none_match=True)
    assert os.stat(tmp_path / "s" / "pool" / "y.deb").st_ino == os.stat(source).st_ino
    with pytest.raises(PreconditionFailed):
        store.put_file("pool/y.deb", source, if_none_match=True)
    store.put_file("dists/z", source)  # not create-only: always a copy, never the input itself
    assert os.stat(tmp_path / "s" / "dists" / "z").st_ino != os.stat(source).st_ino
