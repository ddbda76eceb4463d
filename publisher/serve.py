"""`r2repo serve`: the Worker's request handling (`routes`) on CPython, over any Store.

A plain ASGI callable, no framework. Bodies are streamed from the store in chunks, never
loaded whole; the HTTP decisions (status, headers, ranges, preconditions) are all `routes`'.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, BinaryIO
from urllib.parse import quote

from publisher.stores.base import ObjectInfo, Store, StoreError
from publisher.stores.local import LocalStore
from routes import ByteRange, Conditions, Listing, ObjectMeta, Request, RouteConfig, StoredObject
from routes import handle as handle_request
from routes.access import ACCESS_NAME, AccessCache
from routes.handler import gate

CHUNK = 256 * 1024
LIST_LIMIT = 1000
ATTEMPTS = 3  # the object can be replaced between the decision and the opening of its file
ACCESS_TTL = 2.0  # seconds the access rules are kept before the store is read again

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _meta(info: ObjectInfo) -> ObjectMeta:
    return ObjectMeta(info.key, info.size, info.etag, info.last_modified)


class FileBody:
    """The body handle of `serve`: `length` bytes of `key` from `start`, opened only to send."""

    __slots__ = ("store", "key", "etag", "start", "length")

    def __init__(self, store: Store, key: str, etag: str, start: int, length: int) -> None:
        self.store = store
        self.key = key
        self.etag = etag
        self.start = start
        self.length = length

    def open(self) -> BinaryIO | None:
        """The stream, or None when the object is gone or no longer the one decided on."""
        try:
            stream = self.store.open_read(self.key, self.start)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, StoreError):
            return None
        try:
            info = self.store.head(self.key)  # after the open: the stream is this version
        except (OSError, StoreError):
            info = None
        if info is None or info.etag != self.etag:
            stream.close()
            return None
        return stream


class StoreBucket:
    """routes' Bucket over a synchronous Store; conditions are left to routes."""

    def __init__(self, store: Store, *, offload: bool | None = None) -> None:
        self.store = store
        # A local stat is cheaper than a thread hop; a remote store must not block the loop.
        self.offload = not isinstance(store, LocalStore) if offload is None else offload

    def _head(self, key: str) -> ObjectMeta | None:
        try:
            info = self.store.head(key)
        except (OSError, StoreError):  # e.g. a name too long for the file system
            return None
        return None if info is None else _meta(info)

    async def head(self, key: str) -> ObjectMeta | None:
        if self.offload:
            return await asyncio.to_thread(self._head, key)
        return self._head(key)

    async def get(
        self, key: str, byte_range: ByteRange | None, conditions: Conditions
    ) -> StoredObject | None:
        meta = await self.head(key)
        if meta is None:
            return None
        span = byte_range.resolve(meta.size) if byte_range is not None else None
        start, length = (0, meta.size) if span is None else (span[0], span[1] - span[0] + 1)
        return StoredObject(meta, FileBody(self.store, key, meta.etag, start, length), span)

    def _list(self, prefix: str, delimiter: str | None, cursor: str | None) -> Listing:
        objects: list[ObjectMeta] = []
        prefixes: list[str] = []
        last: str | None = None
        for info in self.store.list(prefix):
            key = info.key
            if cursor is not None and (key <= cursor or key.startswith(cursor)):
                continue  # a cursor ending in the delimiter skips that whole "directory"
            if last is not None and last.endswith(delimiter or "\0") and key.startswith(last):
                continue
            if len(objects) + len(prefixes) >= LIST_LIMIT:
                return Listing(objects, prefixes, last)
            cut = key.find(delimiter, len(prefix)) if delimiter else -1
            if cut >= 0:
                last = key[: cut + len(delimiter or "")]
                prefixes.append(last)
            else:
                last = key
                objects.append(_meta(info))
        return Listing(objects, prefixes, None)

    async def list(self, prefix: str, delimiter: str | None, cursor: str | None) -> Listing:
        return await asyncio.to_thread(self._list, prefix, delimiter, cursor)

    def _read(self, key: str) -> bytes | None:
        try:
            return self.store.get_bytes(key)
        except (OSError, StoreError):
            return None

    async def read(self, key: str) -> bytes | None:
        if self.offload:
            return await asyncio.to_thread(self._read, key)
        return self._read(key)


def _request(scope: Scope) -> Request:
    raw = scope.get("raw_path")
    path = raw.decode("latin-1") if raw else quote(scope.get("path", "/"))
    headers: dict[str, str] = {}
    for name_bytes, value_bytes in scope.get("headers", ()):
        name = name_bytes.decode("latin-1").lower()
        value = value_bytes.decode("latin-1")
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    query = scope.get("query_string", b"").decode("latin-1")
    host = headers.get("host")
    origin = f"{scope.get('scheme', 'http')}://{host}" if host else ""
    return Request(scope["method"], path, query, headers, origin)


async def _start(send: Send, status: int, headers: list[tuple[str, str]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _stream(send: Send, receive: Receive, stream: BinaryIO, length: int) -> None:
    watcher = asyncio.ensure_future(_until_disconnect(receive))
    try:
        remaining = length
        while remaining > 0 and not watcher.done():
            chunk = await asyncio.to_thread(stream.read, min(CHUNK, remaining))
            if not chunk:
                break  # the store gave less than it promised; the client sees a short body
            remaining -= len(chunk)
            await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})
        if remaining > 0 or length == 0:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        watcher.cancel()


def _read_small(body: FileBody) -> bytes | None:
    """The whole (short) body at once, or None when the object changed under us."""
    stream = body.open()
    if stream is None:
        return None
    with stream:
        return stream.read(body.length)  # a short read gives a short body, as in _stream


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(store: Store, config: RouteConfig | None = None) -> ASGIApp:
    """An ASGI application serving the repository in `store`, as the Worker would."""
    bucket = StoreBucket(store)
    route_config = config or RouteConfig()
    rules = AccessCache(ACCESS_TTL)
    access_key = route_config.private_prefix + ACCESS_NAME

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        request = _request(scope)
        now = time.time()
        decision = gate(request, await rules.get(bucket, access_key, now), route_config, now)
        for _ in range(ATTEMPTS):
            response = await handle_request(request, bucket, route_config, decision)
            body = response.body
            if isinstance(body, FileBody):
                if not bucket.offload and body.length <= CHUNK:
                    # A small local file: one read, one message, no thread hop or watcher.
                    data = _read_small(body)
                    if data is None:
                        continue
                    await _start(send, response.status, response.headers)
                    await send({"type": "http.response.body", "body": data, "more_body": False})
                    return
                stream = await asyncio.to_thread(body.open)
                if stream is None:
                    continue
                try:
                    await _start(send, response.status, response.headers)
                    await _stream(send, receive, stream, body.length)
                finally:
                    stream.close()
                return
            await _start(send, response.status, response.headers)
            data = body if isinstance(body, bytes) else b""
            await send({"type": "http.response.body", "body": data, "more_body": False})
            return
        message = b"Service Unavailable: the object changed while it was being read\n"
        await _start(
            send,
            503,
            [
                ("content-type", "text/plain; charset=utf-8"),
                ("content-length", str(len(message))),
                ("cache-control", "no-store"),
                ("retry-after", "1"),
            ],
        )
        await send({"type": "http.response.body", "body": message, "more_body": False})

    return app


def run(
    store: Store,
    host: str = "127.0.0.1",
    port: int = 8787,
    entry_ttl: int = 60,
    *,
    access_log: bool = False,
) -> None:
    """Serve `store` over HTTP until interrupted (uvicorn, warnings only unless access_log)."""
    import uvicorn

    app = create_app(store, RouteConfig(entry_ttl=entry_ttl))
    uvicorn.run(
        app,
        host=host,
        port=port,
        # The C HTTP parser and event loop: several times the requests per second of h11/asyncio.
        http="httptools",
        loop="uvloop",
        log_level="info" if access_log else "warning",
        access_log=access_log,
        lifespan="off",
        server_header=False,
    )
