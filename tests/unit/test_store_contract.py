"""The Store contract, run over every backend: the local directory and S3 (moto on 127.0.0.1)."""

from __future__ import annotations

import hashlib

import pytest

from publisher.stores import PreconditionFailed, Store, StoreError, open_store
from publisher.stores.base import LocalFiles
from publisher.stores.local import LocalStore
from routes.content import IMMUTABLE


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path) -> Store:
    if request.param == "local":
        return LocalStore(tmp_path / "store")
    moto = request.getfixturevalue("moto_s3")
    return open_store(f"s3://{moto.bucket()}/some/prefix")


def test_put_get_head_list_delete(store):
    info = store.put_bytes("a/b/c.txt", b"hello")
    assert info.size == 5 and info.etag.startswith('"')
    assert store.get_bytes("a/b/c.txt") == b"hello"
    head = store.head("a/b/c.txt")
    assert head is not None and head.etag == info.etag and head.size == 5
    store.put_bytes("a/z", b"1")
    store.put_bytes("b", b"2")
    assert [i.key for i in store.list("a/")] == ["a/b/c.txt", "a/z"]
    assert [i.key for i in store.list()] == ["a/b/c.txt", "a/z", "b"]
    store.delete("a/z")
    store.delete("a/z")  # deleting what is gone is not an error
    assert store.head("a/z") is None and store.get_bytes("a/z") is None
    assert store.get_with_info("a/z") is None


def test_open_read_from_an_offset(store):
    store.put_bytes("k", b"0123456789")
    with store.open_read("k", 4) as stream:
        assert stream.read() == b"456789"
    with pytest.raises(FileNotFoundError):
        store.open_read("absent")


def test_conditional_put(store):
    created = store.put_bytes("k", b"1", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put_bytes("k", b"2", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        store.put_bytes("k", b"2", if_match='"stale"')
    updated = store.put_bytes("k", b"2", if_match=created.etag)
    data, info = store.get_with_info("k")
    assert data == b"2" and info.etag == updated.etag
    with pytest.raises(PreconditionFailed):
        store.put_bytes("missing", b"x", if_match=created.etag)
    assert store.head("missing") is None


def test_put_file(store, tmp_path):
    source = tmp_path / "pkg.deb"
    source.write_bytes(b"x" * 1000)
    info = store.put_file("pool/main/p/pkg/pkg_1_amd64.deb", source)
    assert info.size == 1000
    assert store.get_bytes("pool/main/p/pkg/pkg_1_amd64.deb") == b"x" * 1000


def test_s3_objects_carry_type_cache_control_and_sha256(moto_s3, tmp_path):
    bucket = moto_s3.bucket()
    store = open_store(f"s3://{bucket}")
    store.put_bytes("dists/d/InRelease", b"signed")
    deb = tmp_path / "a.deb"
    deb.write_bytes(b"deb bytes")
    store.put_file("pool/main/a/a/a_1_amd64.deb", deb)
    entry = moto_s3.client.head_object(Bucket=bucket, Key="dists/d/InRelease")
    assert entry["ContentType"] == "text/plain; charset=utf-8"
    assert entry["CacheControl"] == "public, max-age=60, must-revalidate"
    package = moto_s3.client.head_object(Bucket=bucket, Key="pool/main/a/a/a_1_amd64.deb")
    assert package["ContentType"] == "application/vnd.debian.binary-package"
    assert package["CacheControl"] == IMMUTABLE
    info = store.head("pool/main/a/a/a_1_amd64.deb")
    assert info.sha256 == hashlib.sha256(b"deb bytes").hexdigest()


def test_s3_multipart_upload(moto_s3, tmp_path, monkeypatch):
    import publisher.stores.s3 as s3

    monkeypatch.setattr(s3, "MULTIPART_THRESHOLD", 5 * 1024 * 1024)
    monkeypatch.setattr(s3, "MULTIPART_CHUNK", 5 * 1024 * 1024)
    bucket = moto_s3.bucket()
    store = open_store(f"s3://{bucket}")
    big = tmp_path / "big.deb"
    big.write_bytes(bytes(range(256)) * (11 * 4096))  # 11 MiB: three parts
    mark = moto_s3.log.mark()
    info = store.put_file("pool/big.deb", big)
    assert info.size == big.stat().st_size
    assert "-" in info.etag  # a multipart ETag: md5-of-parts "-" count
    assert "pool/big.deb" in moto_s3.log.since(mark, "POST", bucket)  # initiate / complete
    assert store.get_bytes("pool/big.deb") == big.read_bytes()


def test_s3_missing_bucket_is_one_clear_error(moto_s3):
    store = open_store("s3://no-such-bucket-r2repo")
    with pytest.raises(StoreError, match="bucket 'no-such-bucket-r2repo' does not exist"):
        list(store.list())


@pytest.mark.parametrize("url", ["s3://", "s3:///x", "s3://b/../x"])
def test_s3_bad_urls(url):
    with pytest.raises(StoreError):
        open_store(url)


def test_put_file_if_none_match(store, tmp_path):
    source = tmp_path / "pkg.rpm"
    source.write_bytes(b"first")
    info = store.put_file("Packages/p/pkg.rpm", source, if_none_match=True)
    head = store.head("Packages/p/pkg.rpm")
    assert info.size == 5 and head is not None and head.etag == info.etag
    source.write_bytes(b"second")
    with pytest.raises(PreconditionFailed):
        store.put_file("Packages/p/pkg.rpm", source, if_none_match=True)
    assert store.get_bytes("Packages/p/pkg.rpm") == b"first"
    assert [i.key for i in store.list()] == ["Packages/p/pkg.rpm"]


def test_ancestors_see_the_same_storage_from_each_folder_above(store):
    inner = store.put_bytes("x", b"1")
    ancestors = store.ancestors()
    assert ancestors, "every location has a folder above it"
    nearest, *_ = ancestors
    assert nearest.url == store.url.rsplit("/", 1)[0]
    assert nearest.head(store.url.rsplit("/", 1)[1] + "/x").etag == inner.etag
    assert [a.url for a in ancestors] == sorted((a.url for a in ancestors), key=len, reverse=True)


def test_touch_refreshes_an_object_without_changing_its_bytes(store):
    store.put_bytes("k", b"same")
    before = store.head("k")
    assert store.touch("k") is True
    after = store.head("k")
    assert store.get_bytes("k") == b"same"
    assert after is not None and before is not None and after.last_modified >= before.last_modified
    assert store.touch("absent") is False
    assert store.head("absent") is None


def test_upload_workers_is_a_positive_count(store):
    assert isinstance(store.upload_workers, int) and store.upload_workers >= 1


def test_only_a_store_of_local_files_offers_them(store):
    """What `serve` and `--link-inputs` need of a store whose objects are files (LocalFiles)."""
    if isinstance(store, LocalStore):
        assert isinstance(store, LocalFiles)
    else:
        assert not isinstance(store, LocalFiles)  # S3: no file to send, stat or link
        return
    info = store.put_bytes("a/b", b"one")
    file = store.file_of("a/b")
    with open(file, "rb") as handle:
        assert handle.read() == b"one"
    version = store.file_version(file)
    assert version is not None and store.etag_of_version(version) == info.etag
    replaced = store.put_bytes("a/b", b"two")  # a new file renamed over the old one
    assert store.file_version(file) != version
    assert store.etag_of_version(store.file_version(file)) == replaced.etag
    store.delete("a/b")
    assert store.file_version(file) is None
    assert store.link_inputs is False
