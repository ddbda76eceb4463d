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


def test_warm_returns_at_once_and_requests_still_work(store):
    """A hint only: a local store ignores it, S3 opens connections in the background (the
    proxy test in tests/integration/test_wire_requests.py counts them)."""
    store.warm(4)
    store.warm(0)
    store.put_bytes("after-warm", b"x")
    assert store.get_bytes("after-warm") == b"x"


def test_create_only_first_says_whether_a_new_key_is_written_without_asking(store):
    """Declared by every store: placement relies on it (a HEAD costs a round trip on S3)."""
    assert store.create_only_first is (not isinstance(store, LocalStore))
    if store.create_only_first:
        store.put_bytes("taken", b"1")
        with pytest.raises(PreconditionFailed):  # the create-only write answers for the HEAD
            store.put_bytes("taken", b"2", if_none_match=True)


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


def test_copy_inside_the_store(store):
    """Server-side copy (`r2repo copy` between RPM roots): the bytes are not sent again, the
    copy is an object like any other, create-only refuses a taken key, a missing source is one
    clear error, and a later write of either key leaves the other alone."""
    sha256 = hashlib.sha256(b"rpm bytes").hexdigest()
    store.put_bytes("a/Packages/p/p.rpm", b"rpm bytes")
    info = store.copy("a/Packages/p/p.rpm", "b/Packages/p/p.rpm", sha256=sha256)
    assert info.size == 9 and info.key == "b/Packages/p/p.rpm"
    head = store.head("b/Packages/p/p.rpm")
    assert head is not None and head.etag == info.etag and head.size == 9
    assert store.get_bytes("b/Packages/p/p.rpm") == b"rpm bytes"
    assert [i.key for i in store.list("b/")] == ["b/Packages/p/p.rpm"]
    with pytest.raises(PreconditionFailed):
        store.copy("a/Packages/p/p.rpm", "b/Packages/p/p.rpm", if_none_match=True)
    store.put_bytes("c", b"other")
    with pytest.raises(PreconditionFailed):
        store.copy("c", "b/Packages/p/p.rpm", if_none_match=True)
    assert store.get_bytes("b/Packages/p/p.rpm") == b"rpm bytes"
    created = store.copy("c", "d/new", if_none_match=True)
    assert store.get_bytes("d/new") == b"other" and created.size == 5
    store.copy("c", "b/Packages/p/p.rpm")  # without the condition: replaced
    assert store.get_bytes("b/Packages/p/p.rpm") == b"other"
    assert store.get_bytes("a/Packages/p/p.rpm") == b"rpm bytes"
    store.put_bytes("c", b"changed")
    assert store.get_bytes("d/new") == b"other"
    with pytest.raises(StoreError, match="no such object to copy"):
        store.copy("absent", "e")
    assert store.head("e") is None


def test_s3_copy_keeps_type_cache_control_and_sha256(moto_s3):
    bucket = moto_s3.bucket()
    store = open_store(f"s3://{bucket}")
    store.put_bytes("rpm/Packages/p/p.rpm", b"rpm bytes")
    mark = moto_s3.log.mark()
    store.copy("rpm/Packages/p/p.rpm", "el9/Packages/p/p.rpm", sha256="ab" * 32)
    assert moto_s3.log.copies_since(mark, bucket) == {
        "el9/Packages/p/p.rpm": f"{bucket}/rpm/Packages/p/p.rpm"
    }
    assert moto_s3.log.uploads_since(mark, bucket) == []
    copied = moto_s3.client.head_object(Bucket=bucket, Key="el9/Packages/p/p.rpm")
    assert copied["ContentType"] == "application/x-rpm"
    assert copied["CacheControl"] == IMMUTABLE
    assert store.head("el9/Packages/p/p.rpm").sha256 == "ab" * 32


def test_copy_condition_goes_to_r2_as_its_own_header(monkeypatch):
    """R2 reads a CopyObject's destination condition from cf-copy-destination-if-none-match."""
    from publisher.stores.s3 import make_client

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    sent: list[dict[str, str]] = []
    client = make_client("https://acct.r2.cloudflarestorage.com", "auto", 1)

    def capture(request, **_):
        sent.append(dict(request.headers))
        raise RuntimeError("not sent")

    client.meta.events.register("before-send.s3.CopyObject", capture)
    with pytest.raises(RuntimeError):
        client.copy_object(Bucket="b", Key="t", CopySource={"Bucket": "b", "Key": "s"},
                           IfNoneMatch="*")  # fmt: skip
    assert sent and sent[0].get("cf-copy-destination-if-none-match") == b"*"
    assert "If-None-Match" not in sent[0]
