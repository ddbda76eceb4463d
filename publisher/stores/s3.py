"""A repository in an S3-compatible bucket (Cloudflare R2, AWS S3, MinIO, moto) with botocore.

One client per store, shared by the upload threads (botocore clients are thread-safe). R2 answers
501 to ACL headers and rejects some of botocore's default checksum headers, so neither is sent.

Transient errors (429 SlowDown, 5xx, dropped or stalled connections) are retried here, not by
botocore: a bounded number of tries with exponential backoff and full jitter, waiting what
`Retry-After` says when the server says it, each retry a line on the progress output, and a
final failure one line naming the request and the number of tries. botocore's own retries
would do none of the three.

Small bodies go without `Expect: 100-continue` (botocore adds it to every PUT): over a wide
link it costs a round trip per request, and it only saves sending a body the server refuses.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import os
import random
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import botocore.exceptions
import botocore.session
from botocore.config import Config
from botocore.utils import determine_content_length

from publisher.hashing import sha256_file
from publisher.stores.base import ObjectInfo, PreconditionFailed, StoreError
from routes.content import cache_control_for, content_type_for

MULTIPART_THRESHOLD = 64 * 1024 * 1024
MULTIPART_CHUNK = 16 * 1024 * 1024
COPY_LIMIT = 5 * 1024**3
# Uploads in flight at once. Measured over a 50 ms round trip with 1,000 small packages
# (docs/benchmarks.md, scenario 8b): 8 -> 16 -> 32 each nearly halve the fresh publish, 64
# gains little more on two cores; `--upload-concurrency` changes it.
DEFAULT_CONCURRENCY = 32
EXPECT_ABOVE = 1024 * 1024  # bodies this large still ask 100-continue first
TRIES = 6  # a request is sent at most this many times
BACKOFF_SECONDS = 0.25  # the first retry waits up to this (full jitter), doubling, capped
BACKOFF_CAP_SECONDS = 8.0
RETRY_AFTER_CAP_SECONDS = 60.0
READ_TIMEOUT_SECONDS = 30.0
CONNECT_TIMEOUT_SECONDS = 10.0
# Test hooks: shorter waits, so that stalls and backoff do not make the fault tests slow.
READ_TIMEOUT_ENV = "R2REPO_S3_READ_TIMEOUT"
BACKOFF_ENV = "R2REPO_S3_BACKOFF"
R2_HOST_SUFFIX = ".r2.cloudflarestorage.com"
SHA256_META = "sha256"  # x-amz-meta-sha256: lets the next publish compare bytes with one HEAD

T = TypeVar("T")

# Codes meaning "this object is not there" (HEAD has no body, so only the status survives).
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
# S3 answers 409 ConditionalRequestConflict when two conditional writes race: one of them lost.
_LOST = frozenset({"412", "PreconditionFailed", "409", "ConditionalRequestConflict"})
_DENIED = frozenset(
    {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}
)
_TRANSIENT_STATUS = frozenset({"408", "429", "500", "502", "503", "504"})
_TRANSIENT_CODES = frozenset(
    {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError",
     "ServiceUnavailable", "TooManyRequests", "RequestTimeTooSkewed"}
)  # fmt: skip
_DROPPED = (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)


def _env_seconds(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "")) or default
    except ValueError:
        return default


def _say(message: str) -> None:
    sys.stderr.write(f"r2repo: {message}\n")


def _small_body_without_expect(params: dict[str, Any], **_: Any) -> None:
    """Drop the 100-continue botocore asks for on every PUT, unless the body is large."""
    headers = params.get("headers", {})
    if "Expect" in headers:
        length = determine_content_length(params.get("body"))
        if length is not None and length < EXPECT_ABOVE:
            del headers["Expect"]


_create_only = threading.local()  # set around one CreateMultipartUpload call of this thread


def _if_none_match_on_create(params: dict[str, Any], **_: Any) -> None:
    """CreateMultipartUpload with If-None-Match: R2 accepts it (refusing a taken key before a
    byte is sent); botocore's model has no such parameter, so it goes in as a header."""
    if getattr(_create_only, "on", False):
        params["headers"]["If-None-Match"] = "*"


def _r2_copy_condition(params: dict[str, Any], **_: Any) -> None:
    """R2 takes a CopyObject's destination conditions as cf-copy-destination-* headers (its
    If-* headers there are about the source); S3 takes If-None-Match itself."""
    headers = params["headers"]
    if "If-None-Match" in headers:
        headers["cf-copy-destination-if-none-match"] = headers.pop("If-None-Match")


def r2_endpoint(account_id: str) -> str:
    return f"https://{account_id}{R2_HOST_SUFFIX}"


def make_client(endpoint_url: str | None, region: str | None, connections: int) -> Any:
    config = Config(
        region_name=region,
        retries={"mode": "standard", "total_max_attempts": 1},  # S3Store._call retries
        max_pool_connections=connections,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=_env_seconds(READ_TIMEOUT_ENV, READ_TIMEOUT_SECONDS),
        tcp_keepalive=True,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        s3={"addressing_style": "path"},
    )
    # botocore's own session: boto3's adds nothing a store uses and costs s3transfer's import
    # (30 ms of the 1.5 s an add-1 publish may take).
    client = botocore.session.get_session().create_client(
        "s3", endpoint_url=endpoint_url, config=config
    )
    client.meta.events.register_last("before-call.s3", _small_body_without_expect)
    client.meta.events.register("before-call.s3.CreateMultipartUpload", _if_none_match_on_create)
    if endpoint_url and R2_HOST_SUFFIX in endpoint_url:
        client.meta.events.register("before-call.s3.CopyObject", _r2_copy_condition)
    return client


def _open_one(pool: Any, conn: Any) -> None:
    """Connect `conn` and give it back to urllib3's `pool` for the next request; a failure is
    left to the request that would have opened it."""
    try:
        conn.connect()
    except Exception:  # urllib3's connection errors are not all OSErrors; none may escape
        conn.close()
    pool._put_conn(conn)


def _retry_after(exc: botocore.exceptions.ClientError) -> float | None:
    """Seconds the server asked to wait (Retry-After: seconds or an HTTP date), if it did."""
    headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    value = str(headers.get("retry-after", "")).strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), RETRY_AFTER_CAP_SECONDS)


def _transient(exc: Exception) -> str | None:
    """Why `exc` is worth another try (a short reason), or None when it is final."""
    if isinstance(exc, botocore.exceptions.ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        if status in _TRANSIENT_STATUS or code in _TRANSIENT_CODES:
            return f"{status} {code}".strip()
        return None
    if isinstance(exc, botocore.exceptions.ReadTimeoutError):
        return "no answer within the read timeout"
    if isinstance(exc, _DROPPED):
        return f"connection failed ({type(exc).__name__})"
    return None


def parse_url(location: str) -> tuple[str, str]:
    """`s3://BUCKET[/PREFIX]` -> (bucket, prefix ending in "/" or empty)."""
    rest = location[len("s3://") :]
    bucket, _, prefix = rest.partition("/")
    prefix = prefix.strip("/")
    if not bucket or any(part in ("", ".", "..") for part in prefix.split("/") if prefix):
        raise StoreError(f"{location}: use s3://BUCKET or s3://BUCKET/PREFIX")
    return bucket, prefix + "/" if prefix else ""


def _latest_instant(stamp: float) -> float:
    """HEAD and GET state the time as an HTTP date, in whole seconds: the write happened somewhere
    in that second. Its end is the time to compare If-Modified-Since with, or a client whose own
    clock read that same second would get 304 for an object written after it fetched."""
    return stamp + 0.999 if stamp.is_integer() else stamp


class S3Store:
    """Objects under `prefix` in `bucket`; conditional puts are S3's If-Match / If-None-Match."""

    # A HEAD is a round trip: a new object's create-only PUT asks instead (placement, uploads).
    create_only_first = True

    def __init__(
        self,
        location: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
        concurrency: int | None = None,
        say: Callable[[str], None] = _say,
    ) -> None:
        self.bucket, self.prefix = parse_url(location)
        self.url = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.endpoint_url = endpoint_url
        # parallel uploads of one commit phase (uploads.commit reads it)
        self.upload_workers = concurrency or DEFAULT_CONCURRENCY
        self.client = (
            client
            if client is not None
            else make_client(endpoint_url, region, self.upload_workers + 4)
        )
        self.say = say
        self.backoff = _env_seconds(BACKOFF_ENV, BACKOFF_SECONDS)
        self.random = random.Random()
        self.random_lock = threading.Lock()

    # -- errors -----------------------------------------------------------------------------

    def _wait(self, attempt: int, exc: Exception) -> float:
        if isinstance(exc, botocore.exceptions.ClientError):
            asked = _retry_after(exc)
            if asked is not None:
                return asked
        with self.random_lock:  # full jitter: racing publishers do not retry in step
            return self.random.uniform(0, min(BACKOFF_CAP_SECONDS, self.backoff * 2**attempt))

    def _call(self, what: str, action: Callable[[], T]) -> T:
        """Run one request, retrying what is transient; one-line StoreErrors for the rest.

        A retried write that had in fact reached the store is safe: create-only and
        compare-and-swap writes then answer 412, which their callers resolve by comparing.
        """
        for attempt in range(TRIES):
            try:
                return self._call_once(what, action)
            except (botocore.exceptions.ClientError, *_DROPPED) as exc:
                reason = _transient(exc)
                if reason is None:
                    raise
                if attempt + 1 == TRIES:
                    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
                        endpoint = exc.kwargs.get("endpoint_url")
                        raise StoreError(
                            f"{self.url}: cannot reach {endpoint} ({what}, {TRIES} tries)"
                        ) from None
                    raise StoreError(
                        f"{self.url}: {what} failed after {TRIES} tries, the last: {reason}"
                    ) from None
                wait = self._wait(attempt, exc)
                self.say(f"retry {attempt + 1}/{TRIES - 1} of {what} in {wait:.1f} s: {reason}")
                time.sleep(wait)
        raise AssertionError("unreachable")

    def _call_once(self, what: str, action: Callable[[], T]) -> T:
        """Run one request; turn boto's exceptions into one-line StoreErrors."""
        try:
            return action()
        except botocore.exceptions.ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            if code == "NoSuchBucket":
                raise StoreError(f"{self.url}: bucket {self.bucket!r} does not exist") from None
            if code in _DENIED or status == "403":
                raise StoreError(
                    f"{self.url}: access denied ({code or status}) for {what}: "
                    "check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or profile)"
                ) from None
            raise
        except botocore.exceptions.NoCredentialsError:
            raise StoreError(
                f"{self.url}: no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                "or AWS_PROFILE)"
            ) from None
        except _DROPPED:
            raise  # _call decides: retried, then one line
        except botocore.exceptions.BotoCoreError as exc:
            raise StoreError(f"{self.url}: {what}: {exc}") from None

    @staticmethod
    def _code(exc: botocore.exceptions.ClientError) -> str:
        return str(exc.response.get("Error", {}).get("Code", ""))

    def _info(self, key: str, response: dict[str, Any]) -> ObjectInfo:
        meta = response.get("Metadata") or {}
        return ObjectInfo(
            key=key,
            size=int(response.get("ContentLength", response.get("Size", 0))),
            etag=response["ETag"],
            last_modified=_latest_instant(response["LastModified"].timestamp()),
            sha256=meta.get(SHA256_META),
        )

    def _headers(self, key: str, sha256: str | None) -> dict[str, Any]:
        extra: dict[str, Any] = {
            "ContentType": content_type_for(key),
            "CacheControl": cache_control_for(key),
        }
        if sha256:
            extra["Metadata"] = {SHA256_META: sha256}
        return extra

    # -- reading ----------------------------------------------------------------------------

    def head(self, key: str) -> ObjectInfo | None:
        try:
            response = self._call(
                f"HEAD {key}",
                lambda: self.client.head_object(Bucket=self.bucket, Key=self.prefix + key),
            )
        except botocore.exceptions.ClientError as exc:
            if self._code(exc) in _MISSING:
                return None
            raise StoreError(f"{self.url}: HEAD {key}: {exc}") from None
        return self._info(key, response)

    def _get(self, key: str, read: bool = False, **kwargs: Any) -> dict[str, Any] | None:
        """The GetObject answer; with `read`, its body read in the same try (a connection that
        drops in the middle of the body is retried whole)."""

        def fetch() -> dict[str, Any]:
            response = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key, **kwargs)
            if read:
                with response["Body"] as body:
                    response["Data"] = body.read()
            return response

        try:
            return self._call(f"GET {key}", fetch)
        except botocore.exceptions.ClientError as exc:
            if self._code(exc) in _MISSING or self._code(exc) == "InvalidRange":
                return None
            raise StoreError(f"{self.url}: GET {key}: {exc}") from None

    def get_with_info(self, key: str) -> tuple[bytes, ObjectInfo] | None:
        response = self._get(key, read=True)
        if response is None:
            return None
        return response["Data"], self._info(key, response)

    def get_bytes(self, key: str) -> bytes | None:
        found = self.get_with_info(key)
        return None if found is None else found[0]

    def open_read(self, key: str, start: int = 0) -> BinaryIO:
        response = self._get(key, **({"Range": f"bytes={start}-"} if start else {}))
        if response is None:
            raise FileNotFoundError(key)
        return response["Body"]

    def ancestors(self) -> list[S3Store]:
        parts = self.prefix.strip("/").split("/") if self.prefix else []
        return [
            S3Store(
                f"s3://{self.bucket}/{'/'.join(parts[:n])}",
                endpoint_url=self.endpoint_url,
                client=self.client,
            )
            for n in range(len(parts) - 1, -1, -1)
        ]

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        # Page by page with the continuation token, each page one retried request (a paginator
        # that raised once is finished, and would end the listing early).
        token: dict[str, str] = {}
        while True:
            page = self._call(
                f"LIST {prefix or '/'}",
                lambda token=token: self.client.list_objects_v2(  # type: ignore[misc]
                    Bucket=self.bucket, Prefix=self.prefix + prefix, **token
                ),
            )
            for item in page.get("Contents", ()):
                key = item["Key"][len(self.prefix) :]
                yield ObjectInfo(
                    key=key,
                    size=int(item["Size"]),
                    etag=item["ETag"],
                    last_modified=_latest_instant(item["LastModified"].timestamp()),
                )
            if not page.get("IsTruncated"):
                return
            token = {"ContinuationToken": page["NextContinuationToken"]}

    # -- writing ----------------------------------------------------------------------------

    def put_bytes(
        self,
        key: str,
        data: bytes,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
    ) -> ObjectInfo:
        sha256 = hashlib.sha256(data).hexdigest()
        return self._put_object(
            key, data, self._headers(key, sha256), if_match, if_none_match, sha256
        )

    def _put_object(
        self,
        key: str,
        body: Any,
        kwargs: dict[str, Any],
        if_match: str | None,
        if_none_match: bool,
        sha256: str | None,
    ) -> ObjectInfo:
        if if_match is not None:
            kwargs["IfMatch"] = if_match
        if if_none_match:
            kwargs["IfNoneMatch"] = "*"
        try:
            response = self._call(
                f"PUT {key}",
                lambda: self.client.put_object(
                    Bucket=self.bucket, Key=self.prefix + key, Body=body, **kwargs
                ),
            )
        except botocore.exceptions.ClientError as exc:
            code = self._code(exc)
            # If-Match on an object that is gone answers 404: that, too, is a lost race.
            if code in _LOST or (if_match is not None and code in _MISSING):
                raise PreconditionFailed(f"{key}: changed since it was read") from None
            raise StoreError(f"{self.url}: PUT {key}: {exc}") from None
        # The PUT answers only the ETag; the time is ours (a HEAD per write would double them).
        size = len(body) if isinstance(body, bytes) else os.fstat(body.fileno()).st_size
        return ObjectInfo(key, size, response["ETag"], time.time(), sha256)

    def put_file(
        self, key: str, path: Path, *, sha256: str | None = None, if_none_match: bool = False
    ) -> ObjectInfo:
        """One PUT of the file's bytes below MULTIPART_THRESHOLD (read whole: a retry sends
        them again from memory), multipart above it; create-only either way when asked."""
        sha256 = sha256 or sha256_file(path)
        extra = self._headers(key, sha256)
        size = path.stat().st_size
        if size < MULTIPART_THRESHOLD:
            return self._put_object(key, path.read_bytes(), extra, None, if_none_match, sha256)
        return self._multipart(key, path, size, extra, if_none_match, sha256)

    def _multipart(
        self,
        key: str,
        path: Path,
        size: int,
        extra: dict[str, Any],
        if_none_match: bool,
        sha256: str,
    ) -> ObjectInfo:
        """Parts of MULTIPART_CHUNK, four at a time. Create-only as R2 does it: If-None-Match
        on CreateMultipartUpload (a taken key is refused before a byte is sent) and on
        CompleteMultipartUpload (the check that counts: two publishers racing on one new key
        both get past the first; the store lets one complete)."""
        full = self.prefix + key

        def create() -> dict[str, Any]:
            _create_only.on = if_none_match
            try:
                return self.client.create_multipart_upload(Bucket=self.bucket, Key=full, **extra)
            finally:
                _create_only.on = False

        upload_id = self._lost_or(key, lambda: self._call(f"PUT {key} (multipart)", create))[
            "UploadId"
        ]
        try:
            parts = self._parts(key, full, path, size, upload_id)
            conditions = {"IfNoneMatch": "*"} if if_none_match else {}
            done = self._lost_or(
                key,
                lambda: self._call(
                    f"PUT {key} (complete multipart)",
                    lambda: self.client.complete_multipart_upload(
                        Bucket=self.bucket,
                        Key=full,
                        UploadId=upload_id,
                        MultipartUpload={"Parts": parts},
                        **conditions,
                    ),
                ),
            )
        except BaseException:
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
            raise
        return ObjectInfo(key, size, done["ETag"], time.time(), sha256)

    def _parts(
        self, key: str, full: str, path: Path, size: int, upload_id: str
    ) -> list[dict[str, Any]]:
        chunk = MULTIPART_CHUNK
        offsets = list(range(0, size, chunk))

        def one(number: int) -> dict[str, Any]:
            with open(path, "rb") as handle:
                handle.seek(offsets[number - 1])
                data = handle.read(chunk)
            answer = self._call(
                f"PUT {key} (part {number}/{len(offsets)})",
                lambda: self.client.upload_part(
                    Bucket=self.bucket, Key=full, UploadId=upload_id, PartNumber=number, Body=data
                ),
            )
            return {"PartNumber": number, "ETag": answer["ETag"]}

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(one, range(1, len(offsets) + 1)))

    def _lost_or(self, key: str, action: Callable[[], T]) -> T:
        """`action`, with a lost create-only condition as PreconditionFailed."""
        try:
            return action()
        except botocore.exceptions.ClientError as exc:
            if self._code(exc) in _LOST:
                raise PreconditionFailed(f"{key}: another upload created it meanwhile") from None
            raise StoreError(f"{self.url}: PUT {key}: {exc}") from None

    def warm(self, connections: int) -> None:
        pool = self._connection_pool()
        if pool is None:
            return
        try:
            # The pool is a LIFO queue: the idle open connections come first, then new ones.
            taken = [pool._get_conn() for _ in range(min(connections, self.upload_workers))]
        except Exception:  # a closed pool: the command is ending
            return
        for conn in taken:
            if conn.sock is None:
                threading.Thread(target=_open_one, args=(pool, conn), daemon=True).start()
            else:
                pool._put_conn(conn)

    def _connection_pool(self) -> Any:
        """urllib3's pool for the endpoint, as botocore will use it; None where it cannot be
        told (a proxy, another botocore): then nothing is opened ahead."""
        try:
            session = self.client._endpoint.http_session
            url = self.client.meta.endpoint_url
            if session._proxy_config.proxy_url_for(url):
                return None
            return session._get_connection_manager(url, None).connection_from_url(url)
        except (AttributeError, TypeError, ValueError):
            return None

    def touch(self, key: str) -> bool:
        """A copy onto itself: a new LastModified, no bytes sent (S3 copies up to 5 GiB)."""
        info = self.head(key)
        if info is None or info.size >= COPY_LIMIT:
            return False
        extra = self._headers(key, info.sha256)
        extra.setdefault("Metadata", {})
        try:
            self._call(
                f"COPY {key}",
                lambda: self.client.copy_object(
                    Bucket=self.bucket,
                    Key=self.prefix + key,
                    CopySource={"Bucket": self.bucket, "Key": self.prefix + key},
                    MetadataDirective="REPLACE",
                    **extra,
                ),
            )
        except botocore.exceptions.ClientError:
            return False
        return True

    def copy(
        self,
        source_key: str,
        target_key: str,
        *,
        sha256: str | None = None,
        if_none_match: bool = False,
    ) -> ObjectInfo:
        """CopyObject: the bytes stay in the bucket. The source's HEAD gives the size (and a
        clear error when it is gone); one CopyObject copies up to 5 GiB."""
        source = self.head(source_key)
        if source is None:
            raise StoreError(f"{self.url}: {source_key}: no such object to copy")
        if source.size >= COPY_LIMIT:
            raise StoreError(f"{self.url}: {source_key}: too large for one server-side copy")
        sha256 = sha256 or source.sha256
        extra = self._headers(target_key, sha256)
        extra.setdefault("Metadata", {})
        if if_none_match:
            extra["IfNoneMatch"] = "*"  # R2 reads it as cf-copy-destination-if-none-match
        try:
            response = self._call(
                f"COPY {source_key} -> {target_key}",
                lambda: self.client.copy_object(
                    Bucket=self.bucket,
                    Key=self.prefix + target_key,
                    CopySource={"Bucket": self.bucket, "Key": self.prefix + source_key},
                    MetadataDirective="REPLACE",
                    **extra,
                ),
            )
        except botocore.exceptions.ClientError as exc:
            if self._code(exc) in _LOST:
                raise PreconditionFailed(f"{target_key}: already exists") from None
            if self._code(exc) in _MISSING:
                raise StoreError(f"{self.url}: {source_key}: no such object to copy") from None
            raise StoreError(f"{self.url}: COPY {source_key} -> {target_key}: {exc}") from None
        etag = response.get("CopyObjectResult", {}).get("ETag", source.etag)
        return ObjectInfo(target_key, source.size, etag, time.time(), sha256)

    def delete(self, key: str) -> None:
        try:
            self._call(
                f"DELETE {key}",
                lambda: self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key),
            )
        except botocore.exceptions.ClientError as exc:
            if self._code(exc) not in _MISSING:
                raise StoreError(f"{self.url}: DELETE {key}: {exc}") from None
