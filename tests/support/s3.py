"""A real S3 API on 127.0.0.1: moto's server, with a request log and atomic conditional PUTs.

moto checks If-Match / If-None-Match and then writes, without a lock between the two; R2 and S3
make that one atomic step. The middleware serialises conditional PUTs so that the server under
the tests behaves like the real ones (otherwise two racing publishers could both "win").
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import boto3
from botocore.config import Config
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from tests.support.server import free_port

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "r2repo-tests",
    "AWS_SECRET_ACCESS_KEY": "r2repo-tests-secret",
    "AWS_REGION": "auto",
}


@dataclass
class RequestLog:
    """(method, bucket, key) of every request, in arrival order."""

    entries: list[tuple[str, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # entry index -> the "bucket/key" a PUT copied from (CopyObject: no bytes sent)
    copy_sources: dict[int, str] = field(default_factory=dict)

    def add(self, method: str, path: str, copy_source: str | None = None) -> None:
        bucket, _, key = unquote(path).lstrip("/").partition("/")
        with self.lock:
            if copy_source is not None:
                self.copy_sources[len(self.entries)] = unquote(copy_source).lstrip("/")
            self.entries.append((method, bucket, key))

    def uploads_since(self, mark: int, bucket: str) -> list[str]:
        """Keys PUT with a body since `mark` (copies and touches, which send none, left out)."""
        with self.lock:
            found = list(enumerate(self.entries))[mark:]
            copied = set(self.copy_sources)
        return [k for i, (m, b, k) in found if m == "PUT" and b == bucket and i not in copied]

    def copies_since(self, mark: int, bucket: str) -> dict[str, str]:
        """target key -> "bucket/source key" of every CopyObject into `bucket` since `mark`."""
        with self.lock:
            found = list(enumerate(self.entries))[mark:]
            sources = dict(self.copy_sources)
        return {k: sources[i] for i, (m, b, k) in found if b == bucket and i in sources}

    def mark(self) -> int:
        with self.lock:
            return len(self.entries)

    def since(self, mark: int, method: str | None = None, bucket: str | None = None) -> list[str]:
        with self.lock:
            found = self.entries[mark:]
        return [
            key
            for m, b, key in found
            if (method is None or m == method) and (bucket is None or b == bucket)
        ]


_ERROR_CODES = {403: "AccessDenied", 500: "InternalError", 503: "SlowDown"}


class _Middleware:
    def __init__(self, app: Any, log: RequestLog, faults: dict[str, int]) -> None:
        self.app = app
        self.log = log
        self.faults = faults
        self.conditional = threading.Lock()

    def _fault(self, environ: dict[str, Any], start_response: Any) -> list[bytes] | None:
        key = unquote(environ.get("PATH_INFO", "")).lstrip("/").partition("/")[2]
        # "KEY" faults every request for the key, "METHOD KEY" only that method's.
        status = self.faults.get(key) or self.faults.get(f"{environ['REQUEST_METHOD']} {key}")
        if status is None:
            return None
        code = _ERROR_CODES.get(status, "InternalError")
        body = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
        start_response(f"{status} {code}", [("Content-Type", "application/xml")])
        return [body] if environ["REQUEST_METHOD"] != "HEAD" else []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        method = environ["REQUEST_METHOD"]
        copy_source = environ.get("HTTP_X_AMZ_COPY_SOURCE") if method == "PUT" else None
        self.log.add(method, environ.get("PATH_INFO", ""), copy_source)
        faulted = self._fault(environ, start_response) if self.faults else None
        if faulted is not None:
            return faulted
        conditional = method == "PUT" and (
            "HTTP_IF_MATCH" in environ or "HTTP_IF_NONE_MATCH" in environ
        )
        if not conditional:
            return self.app(environ, start_response)
        with self.conditional:
            if copy_source is not None and environ.get("HTTP_IF_NONE_MATCH") == "*":
                refused = self._taken(environ, start_response)
                if refused is not None:
                    return refused
            # Read the whole answer under the lock: the write happens while it is produced.
            return list(self.app(environ, start_response))

    def _taken(self, environ: dict[str, Any], start_response: Any) -> list[bytes] | None:
        """S3 refuses a CopyObject with If-None-Match: * onto a taken key (412); moto 5.2
        ignores the condition and overwrites, so the check is made here, under the lock."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.s3.models import s3_backends

        bucket, _, key = unquote(environ.get("PATH_INFO", "")).lstrip("/").partition("/")
        backend = s3_backends[DEFAULT_ACCOUNT_ID]["global"]
        try:
            found = backend.get_object(bucket, key)
        except Exception:  # moto's own "no such bucket": let moto answer it
            return None
        if found is None:
            return None
        body = b"<Error><Code>PreconditionFailed</Code><Message>If-None-Match</Message></Error>"
        start_response("412 Precondition Failed", [("Content-Type", "application/xml")])
        return [body]


class MotoS3:
    """A running moto S3 server; `bucket()` makes a fresh, empty bucket."""

    _names = itertools.count(1)

    def __init__(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = RequestLog()
        # key (in any bucket), or "METHOD key" -> the error status its requests get, while set
        self.faults: dict[str, int] = {}
        app = _Middleware(DomainDispatcherApplication(create_backend_app), self.log, self.faults)
        self.server = make_server(
            "127.0.0.1", self.port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.client = s3_client(self.endpoint)

    def bucket(self, prefix: str = "repo") -> str:
        name = f"{prefix}-{os.getpid()}-{next(self._names)}"
        self.client.create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", ()):
                found[item["Key"]] = item
        return found

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


def s3_client(endpoint: str) -> Any:
    """A boto3 client of the test credentials, path-style, for the server at `endpoint`."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(s3={"addressing_style": "path"}),
    )


def s3_env(moto: MotoS3) -> dict[str, str]:
    """Environment for an `r2repo` subprocess talking to `moto`."""
    return {**CREDENTIALS, "AWS_ENDPOINT_URL": moto.endpoint}


def iter_objects(moto: MotoS3, bucket: str) -> Iterator[str]:
    yield from sorted(moto.keys(bucket))
