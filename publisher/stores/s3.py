"""A repository in an S3-compatible bucket (Cloudflare R2, AWS S3, MinIO, moto) with boto3.

One client per store, shared by the upload threads (boto3 clients are thread-safe). R2 answers
501 to ACL headers and rejects some of boto3's default checksum headers, so neither is sent.
Transient errors (throttling, 5xx, dropped connections) are retried by botocore's "standard"
mode with exponential backoff and jitter.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import boto3
import botocore.exceptions
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from publisher.hashing import sha256_file
from publisher.stores.base import ObjectInfo, PreconditionFailed, StoreError
from routes.content import cache_control_for, content_type_for

MULTIPART_THRESHOLD = 64 * 1024 * 1024
MULTIPART_CHUNK = 16 * 1024 * 1024
COPY_LIMIT = 5 * 1024**3
MAX_POOL_CONNECTIONS = 16
RETRY_ATTEMPTS = 8
SHA256_META = "sha256"  # x-amz-meta-sha256: lets the next publish compare bytes with one HEAD

T = TypeVar("T")

# Codes meaning "this object is not there" (HEAD has no body, so only the status survives).
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
# S3 answers 409 ConditionalRequestConflict when two conditional writes race: one of them lost.
_LOST = frozenset({"412", "PreconditionFailed", "409", "ConditionalRequestConflict"})
_DENIED = frozenset(
    {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}
)


def r2_endpoint(account_id: str) -> str:
    return f"https://{account_id}.r2.cloudflarestorage.com"


def make_client(endpoint_url: str | None, region: str | None) -> Any:
    config = Config(
        region_name=region,
        retries={"mode": "standard", "max_attempts": RETRY_ATTEMPTS},
        max_pool_connections=MAX_POOL_CONNECTIONS,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        s3={"addressing_style": "path"},
    )
    session = boto3.session.Session()
    return session.client("s3", endpoint_url=endpoint_url, config=config)


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

    upload_workers = 8  # parallel uploads of one commit phase, below MAX_POOL_CONNECTIONS

    def __init__(
        self,
        location: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        client: Any = None,
    ) -> None:
        self.bucket, self.prefix = parse_url(location)
        self.url = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.endpoint_url = endpoint_url
        self.client = client if client is not None else make_client(endpoint_url, region)
        self.transfer = TransferConfig(
            multipart_threshold=MULTIPART_THRESHOLD,
            multipart_chunksize=MULTIPART_CHUNK,
            max_concurrency=4,
        )

    # -- errors -----------------------------------------------------------------------------

    def _call(self, what: str, action: Callable[[], T]) -> T:
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
        except botocore.exceptions.EndpointConnectionError as exc:
            raise StoreError(f"{self.url}: cannot reach {exc.kwargs.get('endpoint_url')}") from None
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

    def _get(self, key: str, **kwargs: Any) -> dict[str, Any] | None:
        try:
            return self._call(
                f"GET {key}",
                lambda: self.client.get_object(Bucket=self.bucket, Key=self.prefix + key, **kwargs),
            )
        except botocore.exceptions.ClientError as exc:
            if self._code(exc) in _MISSING or self._code(exc) == "InvalidRange":
                return None
            raise StoreError(f"{self.url}: GET {key}: {exc}") from None

    def get_with_info(self, key: str) -> tuple[bytes, ObjectInfo] | None:
        response = self._get(key)
        if response is None:
            return None
        with response["Body"] as body:
            data = self._call(f"GET {key}", body.read)
        return data, self._info(key, response)

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
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        iterator = iter(pages)
        while True:
            page = self._call(f"LIST {prefix or '/'}", lambda: next(iterator, None))
            if page is None:
                return
            for item in page.get("Contents", ()):
                key = item["Key"][len(self.prefix) :]
                yield ObjectInfo(
                    key=key,
                    size=int(item["Size"]),
                    etag=item["ETag"],
                    last_modified=_latest_instant(item["LastModified"].timestamp()),
                )

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
        """Large files go multipart (parts of 16 MiB above 64 MiB) through boto3's transfer.

        If-None-Match is sent on single-part uploads; a multipart upload is unconditional.
        """
        extra = self._headers(key, sha256 or sha256_file(path))
        if if_none_match and path.stat().st_size < MULTIPART_THRESHOLD:
            with open(path, "rb") as body:
                return self._put_object(key, body, extra, None, True, sha256)
        try:
            self._call(
                f"PUT {key}",
                lambda: self.client.upload_file(
                    str(path), self.bucket, self.prefix + key, ExtraArgs=extra, Config=self.transfer
                ),
            )
        except (botocore.exceptions.ClientError, boto3.exceptions.S3UploadFailedError) as exc:
            raise StoreError(f"{self.url}: PUT {key}: {exc}") from None
        info = self.head(key)
        if info is None:
            raise StoreError(f"{self.url}: PUT {key}: the object is not there after the upload")
        return info

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

    def delete(self, key: str) -> None:
        try:
            self._call(
                f"DELETE {key}",
                lambda: self.client.delete_object(Bucket=self.bucket, Key=self.prefix + key),
            )
        except botocore.exceptions.ClientError as exc:
            if self._code(exc) not in _MISSING:
                raise StoreError(f"{self.url}: DELETE {key}: {exc}") from None
