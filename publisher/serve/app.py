"""`r2repo serve`: the Worker's request handling (`routes`) on CPython, over any Store.

An RSGI application under granian: its HTTP/1.1 runs in Rust, so the Python side does only
what routes decides (docs/benchmarks.md compares it with ASGI servers). Bodies are streamed
from the store in chunks, never loaded whole; the HTTP decisions (status, headers, ranges,
preconditions) are all `routes`'. Small responses of a local store are replayed from a memo
checked by one stat (publisher/serve/memo.py).
"""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any, BinaryIO
from urllib.parse import quote

from publisher.errors import R2repoError
from publisher.serve.bucket import FileBody, StoreBucket
from publisher.serve.memo import MemoKey, Replay, ResponseMemo
from publisher.stores.base import LocalFiles, Store
from routes import Request, RouteConfig
from routes import handle as handle_request
from routes.access import Access, AccessCache, Decision
from routes.content import is_immutable
from routes.handler import gate, request_key
from routes.http import Response

CHUNK = 256 * 1024
STREAM_CHUNK = 1024 * 1024  # larger chunks: fewer thread hops and copies per MB
ATTEMPTS = 3  # the object can be replaced between the decision and the opening of its file
ACCESS_TTL = 2.0  # seconds the access rules are kept before the store is read again
REPLAYABLE = frozenset({200, 206, 304})

_GONE = (
    503,
    [
        ("content-type", "text/plain; charset=utf-8"),
        ("cache-control", "no-store"),
        ("retry-after", "1"),
    ],
    b"Service Unavailable: the object changed while it was being read\n",
)


_HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")


def _request(scope: Any, public_url: str | None) -> Request:
    headers: dict[str, str] = {}
    for name, value in scope.headers.items():
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    # granian hands over the path percent-decoded; routes decodes (and checks) it itself.
    path = quote(scope.path)
    if public_url is not None:
        return Request(scope.method, path, scope.query_string, headers, public_url)
    host = headers.get("host") or scope.authority or ""
    origin = f"{scope.scheme}://{host}" if _HOST.fullmatch(host) else ""
    return Request(scope.method, path, scope.query_string, headers, origin, True)


def public_url_for(host: str, port: int, public_url: str | None) -> str | None:
    """The origin pages link to: `--public-url`, else the address served when it names one
    host; None (the client's Host header, kept out of shared caches) for a wildcard bind."""
    if public_url:
        return public_url.rstrip("/")
    if host in WILDCARD_HOSTS:
        return None
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _send(proto: Any, status: int, headers: list[tuple[str, str]], body: bytes | None) -> None:
    if body is None:  # HEAD and 304: the Content-Length routes set describes the GET's body
        proto.response_empty(status, headers)
    else:
        proto.response_bytes(status, headers, body)


# How a body is sent depends on its kind: routes' bytes and the whole of a small local file go
# as one message (`_send`, and may be memoized); an immutable local file as a file range; the
# rest streamed. Each reader gives None or False, having sent nothing, when the object was
# replaced after routes decided on it: the caller decides again.


def _read_small(body: FileBody) -> bytes | None:
    """The whole (short) body at once, or None when the object changed under us."""
    stream = body.open()
    if stream is None:
        return None
    with stream:
        return stream.read(body.length)  # a short read gives a short body, as when streaming


def _send_file_range(proto: Any, response: Response, files: LocalFiles, body: FileBody) -> bool:
    """granian streams the file from Rust with flow control. It opens the path after we return,
    so only for a key whose bytes never change (at worst the file is gone: 404)."""
    file = files.file_of(body.key)
    end = body.start + body.length
    proto.response_file_range(response.status, response.headers, file, body.start, end)
    return True


async def _send_streamed(proto: Any, response: Response, body: FileBody) -> bool:
    """Chunks read on a thread (a remote store, or a large local file that may change)."""
    stream = await asyncio.to_thread(body.open)
    if stream is None:
        return False
    with stream:
        transport = proto.response_stream(response.status, response.headers)
        await _pump(stream, transport, body.length)
    return True


async def _pump(stream: BinaryIO, transport: Any, length: int) -> None:
    remaining = length
    try:
        while remaining > 0:
            chunk = await asyncio.to_thread(stream.read, min(STREAM_CHUNK, remaining))
            if not chunk:
                break  # the store gave less than it promised; the client sees a short body
            remaining -= len(chunk)
            await transport.send_bytes(chunk)
    except RuntimeError:  # granian's ProtocolClosed: the client went away
        pass


class App:
    """The RSGI application serving the repository in a store, as the Worker would.

    A request goes: the access rules (cached for ACCESS_TTL), a replay from the memo when one
    matches, routes' gate (who may read), routes' response, and its body sent by the sender for
    its kind, deciding again when the object changed in between (ATTEMPTS times, then 503).
    """

    def __init__(
        self,
        store: Store,
        config: RouteConfig | None = None,
        public_url: str | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.bucket = StoreBucket(store)
        self.config = config or RouteConfig()
        self.rules = AccessCache(ACCESS_TTL)
        self.public_url = public_url
        self.log = log or _log_refusal
        self.files = store if isinstance(store, LocalFiles) else None
        self.memo = None if self.files is None else ResponseMemo(self.files.file_version)

    async def __call__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":
            return
        now = time.time()
        access = await self._access(now)
        memo_key = self._memo_key(scope)
        if memo_key is not None and self._replay(proto, memo_key, access):
            return
        request = _request(scope, self.public_url)
        decision = self._decide(request, access, now)
        for _ in range(ATTEMPTS):
            response = await handle_request(request, self.bucket, self.config, decision)
            body = response.body
            if not isinstance(body, FileBody):
                data = body if isinstance(body, bytes) else None  # None: HEAD, 304
            elif self.files is not None and body.length <= CHUNK:
                data = _read_small(body)  # one read, one message, no thread hop
                if data is None:
                    continue
            elif await self._send_large(proto, response, body):
                return
            else:
                continue
            self._remember(memo_key, request, decision, access, response, data)
            _send(proto, response.status, response.headers, data)
            return
        _send(proto, *_GONE)

    async def _access(self, now: float) -> Access:
        access = self.rules.fresh(now)
        if access is None:
            access = await self.rules.get(self.bucket, self.config.private_prefix, now)
        return access

    def _memo_key(self, scope: Any) -> MemoKey | None:
        if self.memo is None:
            return None
        get = scope.headers.get
        return (
            scope.method,
            scope.path,
            scope.query_string,
            get("if-none-match"),
            get("if-modified-since"),
            get("if-match"),
            get("if-unmodified-since"),
            get("range"),
            get("if-range"),
        )

    def _replay(self, proto: Any, memo_key: MemoKey, access: Access) -> bool:
        replay = None if self.memo is None else self.memo.find(memo_key, access)
        if replay is None:
            return False
        _send(proto, replay.status, replay.headers, replay.body or None)
        return True

    def _decide(self, request: Request, access: Access, now: float) -> Decision:
        decision = gate(request, access, self.config, now)
        if decision.status is not None:
            self.log(refusal_line(request, decision))
        return decision

    async def _send_large(self, proto: Any, response: Response, body: FileBody) -> bool:
        if self.files is not None and is_immutable(body.key):
            return _send_file_range(proto, response, self.files, body)
        return await _send_streamed(proto, response, body)

    def _remember(
        self,
        memo_key: MemoKey | None,
        request: Request,
        decision: Decision,
        access: Access,
        response: Response,
        body: bytes | None,
    ) -> None:
        """Keep a public object's 200/206/304 once its Last-Modified no longer depends on now."""
        if memo_key is None or self.memo is None or self.files is None:
            return
        if decision.status is not None or decision.private:
            return
        if response.status not in REPLAYABLE:
            return
        if body is None and request.method == "GET" and response.status != 304:
            return
        names = [name for name, _ in response.headers]
        if "last-modified" not in names or "etag" not in names:
            return
        key = request_key(request, self.config)
        if key is None or key.endswith("/") or key == "":
            return
        file = self.files.file_of(key)
        version = self.files.file_version(file)
        # The file may have been replaced since it was read: keep only what matches it now.
        etag = response.headers[names.index("etag")][1]
        if version is None or self.files.etag_of_version(version) != etag:
            return
        replay = Replay(file, version, access, response.status, response.headers, body or b"")
        self.memo.keep(memo_key, replay)


def refusal_line(request: Request, decision: Decision) -> str:
    """One log line for a refused request: never the token itself, its name when known."""
    who = f" token {decision.token.name!r}" if decision.token is not None else ""
    reason = decision.access.unreadable or decision.reason
    return f"{decision.status} {request.method} {request.path}{who}: {reason}"


def _log_refusal(line: str) -> None:
    sys.stderr.write(f"r2repo serve: {line}\n")


def _check_port_free(host: str, port: int) -> None:
    """Refuse a port something already listens on: granian binds with SO_REUSEPORT, so a
    second `r2repo serve` on the same port would otherwise share it silently."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise R2repoError(
                f"{host}:{port}: cannot listen there ({exc.strerror}); choose another with --port"
            ) from None


async def _serve_until_signalled(server: Any) -> None:
    # Embedded granian leaves signals to its host: SIGINT (Ctrl-C) and SIGTERM stop it cleanly.
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, server.stop)
    await server.serve()


def run(
    store: Store,
    host: str = "127.0.0.1",
    port: int = 8787,
    entry_ttl: int = 60,
    *,
    access_log: bool = False,
    announce: Callable[[], None] | None = None,
    public_url: str | None = None,
) -> None:
    """Serve `store` over HTTP until SIGINT or SIGTERM (granian in this process, on uvloop).

    `announce` runs once the port is known to be free, just before serving starts.
    """
    import uvloop
    from granian.constants import HTTPModes, Interfaces, TaskImpl
    from granian.server.embed import Server

    _check_port_free(host, port)
    if announce is not None:
        announce()
    server = Server(
        App(store, RouteConfig(entry_ttl=entry_ttl), public_url_for(host, port, public_url)),
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        http=HTTPModes.http1,
        websockets=False,
        # granian warns that embedding is experimental on every start; errors still show.
        log_level="info" if access_log else "error",
        log_access=access_log,
        # granian's tasks in Rust answer small responses and 304s faster (docs/benchmarks.md);
        # granian has them only for Python before 3.12.
        task_impl=TaskImpl.rust if sys.version_info < (3, 12) else TaskImpl.asyncio,
    )
    # Not uvloop.run: asyncio's Runner lists every task when it closes, and Rust tasks fail that.
    loop = uvloop.new_event_loop()
    try:
        loop.run_until_complete(_serve_until_signalled(server))
    finally:
        loop.close()
