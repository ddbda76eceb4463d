"""`handle` over an in-memory Bucket, with a plain bucket and an R2-like one."""

from __future__ import annotations

import asyncio

import pytest

from routes import (
    ByteRange,
    Conditions,
    Listing,
    ObjectMeta,
    RangeNotSatisfiable,
    Request,
    Response,
    RouteConfig,
    StoredObject,
    handle,
)
from routes.conditional import evaluate, http_date, validator_second

MTIME = 1_700_000_000.5
DEB = bytes(range(256)) * 40  # 10240 bytes
FILES = {
    "pool/main/h/hello/hello_1.0_amd64.deb": DEB,
    "dists/x/InRelease": b"-----BEGIN PGP SIGNED MESSAGE-----\n",
    "empty.txt": b"",
    "_r2repo/access.json": b'{"secret": 1}',
}


class MemoryBucket:
    """Bodies are the bytes themselves. `r2` mimics R2: it refuses preconditions itself
    (object without body) and raises RangeNotSatisfiable without knowing the size."""

    def __init__(self, files: dict[str, bytes], *, r2: bool = False) -> None:
        self.files = files
        self.r2 = r2
        self.calls: list[tuple[str, str]] = []

    def _meta(self, key: str) -> ObjectMeta | None:
        if key not in self.files:
            return None
        data = self.files[key]
        return ObjectMeta(key, len(data), f'"{len(data):x}-{hash(data) & 0xFFFF:x}"', MTIME)

    async def head(self, key: str) -> ObjectMeta | None:
        self.calls.append(("head", key))
        return self._meta(key)

    async def get(
        self, key: str, byte_range: ByteRange | None, conditions: Conditions
    ) -> StoredObject | None:
        self.calls.append(("get", key))
        meta = self._meta(key)
        if meta is None:
            return None
        if self.r2 and conditions and evaluate(conditions, meta.etag, meta.last_modified, "GET"):
            return StoredObject(meta, None, None)
        data = self.files[key]
        if byte_range is None:
            return StoredObject(meta, data, None)
        try:
            span = byte_range.resolve(meta.size)
        except RangeNotSatisfiable:
            raise RangeNotSatisfiable(None if self.r2 else meta.size) from None
        if span is None:
            return StoredObject(meta, data, None)
        return StoredObject(meta, data[span[0] : span[1] + 1], span)

    async def list(self, prefix: str, delimiter: str | None, cursor: str | None) -> Listing:
        return Listing()


CONFIG = RouteConfig()


@pytest.fixture(params=[False, True], ids=["plain", "r2"])
def bucket(request: pytest.FixtureRequest) -> MemoryBucket:
    return MemoryBucket(dict(FILES), r2=request.param)


def call(bucket: MemoryBucket, path: str, method: str = "GET", **headers: str) -> Response:
    names = {k.replace("_", "-").lower(): v for k, v in headers.items()}
    return asyncio.run(handle(Request(method, path, "", names), bucket, CONFIG))


def etag_of(bucket: MemoryBucket, key: str) -> str:
    meta = bucket._meta(key)
    assert meta is not None
    return meta.etag


DEB_PATH = "/pool/main/h/hello/hello_1.0_amd64.deb"
DEB_KEY = DEB_PATH[1:]


def test_get_full(bucket: MemoryBucket) -> None:
    response = call(bucket, DEB_PATH)
    assert response.status == 200
    assert response.body == DEB
    assert response.header("content-length") == str(len(DEB))
    assert response.header("content-type") == "application/vnd.debian.binary-package"
    assert response.header("cache-control") == "public, max-age=31536000, immutable"
    assert response.header("accept-ranges") == "bytes"
    assert response.header("etag") == etag_of(bucket, DEB_KEY)
    assert response.header("last-modified") == http_date(validator_second(MTIME))
    assert response.header("content-range") is None


def test_head_has_the_get_headers_and_no_body(bucket: MemoryBucket) -> None:
    get = call(bucket, DEB_PATH)
    head = call(bucket, DEB_PATH, "HEAD")
    assert head.status == 200
    assert head.body is None
    assert head.headers == get.headers


def test_entry_point_headers(bucket: MemoryBucket) -> None:
    response = call(bucket, "/dists/x/InRelease")
    assert response.header("content-type") == "text/plain; charset=utf-8"
    assert response.header("cache-control") == "public, max-age=60, must-revalidate"
    custom = asyncio.run(
        handle(Request("GET", "/dists/x/InRelease"), bucket, RouteConfig(entry_ttl=5))
    )
    assert custom.header("cache-control") == "public, max-age=5, must-revalidate"


@pytest.mark.parametrize(
    ("range_", "start", "end"),
    [
        ("bytes=10-19", 10, 19),
        ("bytes=-5", 10235, 10239),
        ("bytes=100-", 100, 10239),
        ("bytes=-99999", 0, 10239),
        ("bytes=10000-20000", 10000, 10239),
    ],
)
def test_range(bucket: MemoryBucket, range_: str, start: int, end: int) -> None:
    response = call(bucket, DEB_PATH, range=range_)
    assert response.status == 206
    assert response.body == DEB[start : end + 1]
    assert response.header("content-range") == f"bytes {start}-{end}/{len(DEB)}"
    assert response.header("content-length") == str(end - start + 1)


@pytest.mark.parametrize("range_", ["bytes=10240-", "bytes=99999-100000", "bytes=-0"])
def test_unsatisfiable(bucket: MemoryBucket, range_: str) -> None:
    response = call(bucket, DEB_PATH, range=range_)
    assert response.status == 416
    assert response.header("content-range") == f"bytes */{len(DEB)}"
    assert response.body == b"Range Not Satisfiable\n"


@pytest.mark.parametrize("range_", ["bytes=0-1,5-6", "bytes=garbage", "items=0-1", "bytes=9-1"])
def test_ignored_range_gives_full_200(bucket: MemoryBucket, range_: str) -> None:
    response = call(bucket, DEB_PATH, range=range_)
    assert response.status == 200
    assert response.body == DEB


def test_range_ignored_on_head(bucket: MemoryBucket) -> None:
    response = call(bucket, DEB_PATH, "HEAD", range="bytes=0-9")
    assert response.status == 200
    assert response.header("content-length") == str(len(DEB))


def test_suffix_range_of_empty_file(bucket: MemoryBucket) -> None:
    response = call(bucket, "/empty.txt", range="bytes=-5")
    assert response.status == 200
    assert response.header("content-length") == "0"
    assert call(bucket, "/empty.txt", range="bytes=0-").status == 416


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_not_modified(bucket: MemoryBucket, method: str) -> None:
    etag = etag_of(bucket, DEB_KEY)
    response = call(bucket, DEB_PATH, method, if_none_match=etag)
    assert response.status == 304
    assert response.body is None
    assert dict(response.headers) == {
        "etag": etag,
        "last-modified": http_date(validator_second(MTIME)),
        "cache-control": "public, max-age=31536000, immutable",
    }
    since = call(bucket, DEB_PATH, method, if_modified_since=http_date(validator_second(MTIME)))
    assert since.status == 304


def test_modified(bucket: MemoryBucket) -> None:
    assert call(bucket, DEB_PATH, if_none_match='"other"').status == 200
    # apt sends its own clock's second when the response had no Last-Modified: a file written
    # later within that second is newer than the date, so it is sent.
    same_second = call(bucket, DEB_PATH, if_modified_since=http_date(int(MTIME)))
    assert same_second.status == 200
    earlier = http_date(int(MTIME) - 1)
    response = call(bucket, DEB_PATH, if_modified_since=earlier)
    assert response.status == 200
    assert response.body == DEB


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_precondition_failed(bucket: MemoryBucket, method: str) -> None:
    response = call(bucket, DEB_PATH, method, if_match='"other"')
    assert response.status == 412
    assert response.header("etag") is None
    earlier = http_date(int(MTIME) - 1)
    assert call(bucket, DEB_PATH, method, if_unmodified_since=earlier).status == 412


def test_if_match_passes(bucket: MemoryBucket) -> None:
    response = call(bucket, DEB_PATH, if_match=etag_of(bucket, DEB_KEY), range="bytes=0-1")
    assert response.status == 206
    assert response.body == DEB[:2]


def test_preconditions_before_range(bucket: MemoryBucket) -> None:
    etag = etag_of(bucket, DEB_KEY)
    assert call(bucket, DEB_PATH, range="bytes=99999-", if_none_match=etag).status == 304
    assert call(bucket, DEB_PATH, range="bytes=99999-", if_match='"x"').status == 412


def test_if_range(bucket: MemoryBucket) -> None:
    etag = etag_of(bucket, DEB_KEY)
    match = call(bucket, DEB_PATH, range="bytes=0-3", if_range=etag)
    assert (match.status, match.body) == (206, DEB[:4])
    by_date = call(bucket, DEB_PATH, range="bytes=0-3", if_range=http_date(validator_second(MTIME)))
    assert by_date.status == 206
    stale = call(bucket, DEB_PATH, range="bytes=0-3", if_range='"old"')
    assert (stale.status, stale.body) == (200, DEB)
    assert stale.header("content-range") is None
    stale_date = call(bucket, DEB_PATH, range="bytes=0-3", if_range=http_date(int(MTIME) - 9))
    assert stale_date.status == 200
    # An unsatisfiable range on a changed object: the full new object, not 416.
    changed = call(bucket, DEB_PATH, range="bytes=99999-", if_range='"old"')
    assert (changed.status, changed.body) == (200, DEB)


def test_r2_refusal_that_routes_overrules() -> None:
    """R2 said no but routes says the condition holds: routes decides and refetches."""

    class Strict(MemoryBucket):
        async def get(self, key, byte_range, conditions):  # type: ignore[no-untyped-def]
            stored = await super().get(key, byte_range, conditions)
            if conditions and stored is not None:
                return StoredObject(stored.meta, None, None)
            return stored

    bucket = Strict(dict(FILES))
    response = call(bucket, DEB_PATH, if_unmodified_since=http_date(validator_second(MTIME)))
    assert response.status == 200
    assert response.body == DEB
    assert [c[0] for c in bucket.calls] == ["get", "get"]


@pytest.mark.parametrize(
    "path",
    [
        "/../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/pool/..%2f..%2f",
        "/_r2repo/access.json",
        "/.r2repo.lock",
        "/pool//main",
        "/missing.deb",
        "/dists/",
        "/pool/main/h/hello/hello_1.0_amd64.deb/",
    ],
)
def test_not_found(bucket: MemoryBucket, path: str) -> None:
    response = call(bucket, path)
    assert response.status == 404
    assert response.body == b"Not Found\n"
    assert response.header("content-type") == "text/plain; charset=utf-8"
    head = call(bucket, path, "HEAD")
    assert (head.status, head.body) == (404, None)


def test_rejected_paths_never_reach_the_bucket(bucket: MemoryBucket) -> None:
    call(bucket, "/_r2repo/access.json")
    call(bucket, "/%2e%2e/x")
    assert bucket.calls == []


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "get"])
def test_method_not_allowed(bucket: MemoryBucket, method: str) -> None:
    response = call(bucket, DEB_PATH, method)
    assert response.status == 405
    assert response.header("allow") == "GET, HEAD"
    assert bucket.calls == []


def test_root_is_the_landing_page(bucket: MemoryBucket) -> None:
    response = call(bucket, "/")
    assert response.status == 200
    assert response.header("content-type") == "text/html; charset=utf-8"
    assert b"Nothing is published here yet" in response.body


def test_last_modified_never_in_the_future(bucket: MemoryBucket) -> None:
    """Written this very second: its rounded-up Last-Modified lies ahead, so none is sent."""
    import time

    class JustWritten(MemoryBucket):
        def _meta(self, key: str) -> ObjectMeta | None:
            meta = super()._meta(key)
            return meta and ObjectMeta(meta.key, meta.size, meta.etag, time.time() + 0.001)

    fresh = call(JustWritten(dict(FILES)), "/dists/x/InRelease")
    assert fresh.status == 200 and fresh.header("last-modified") is None
    assert fresh.header("etag")
    settled = call(bucket, "/dists/x/InRelease")
    assert settled.header("last-modified") is not None
