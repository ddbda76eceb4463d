"""An HTTP/1.1 proxy on 127.0.0.1 that puts a wide-area link in front of a local S3 server.

Every byte from the client reaches the server side `one_way` seconds after it was sent, and
every byte of the answer reaches the client `one_way` seconds after the server side wrote it;
a new connection first pays the TCP handshake (one round trip). The proxy is the far end of
that link: it answers `Expect: 100-continue` itself (as S3 and R2 do, so that costs the client
a round trip, as it would over the internet) and forwards each request to the upstream server
(moto) at once. Bandwidth is not limited: the figures are about round trips.

It records each request (method, key, when it reached the server side, when its answer
left), from which `Stats` derives the largest number of requests in flight and the number of
sequential round trips on the critical path (the longest chain of requests each of which
started after the one before it had been answered).

A fault mode (`Faults`) injects what R2 and the internet do: 429 SlowDown with Retry-After,
500, 503, a connection reset in the middle of an upload, an answer that stalls past the
client's read timeout (the request took effect; the client never hears so), and a 412 on a
compare-and-swap (another publisher won). Each by rule (method, key pattern, how many times),
or as a random mix over a share of all requests.

The proxy also enforces `If-None-Match: *` on CreateMultipartUpload and
CompleteMultipartUpload, atomically per key, as R2 does: moto ignores it on the first and
checks it without a lock on the second.

Asyncio on one thread of its own; `LatencyProxy.start()` returns once it listens. A control
path (`/_link/...`, answered at once, not delayed) lets another process read and reset the
statistics and set the delay or the faults (see bench/s3link.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import random
import re
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from urllib.parse import unquote, urlsplit

CONTROL = "/_link/"
FAULT_KINDS = ("429", "500", "503", "reset", "stall", "412")
# The random mix draws these; "412" only where it means something (a conditional write).
MIX_KINDS = ("429", "500", "503", "reset", "stall", "412")
_NO_BODY_STATUS = {204, 304}


@dataclass
class Record:
    """One request as the server side of the link saw it."""

    method: str
    key: str  # the path without the bucket, unquoted; "?uploads"/"?uploadId" kept as a suffix
    start: float  # its head reached the server side
    end: float = 0.0  # its answer left the server side
    status: int = 0
    fault: str = ""
    connection: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # the conditional / content headers


_KEPT_HEADERS = (
    "if-none-match",
    "if-match",
    "content-type",
    "cache-control",
    "content-encoding",
    "content-length",
    "expect",
)


@dataclass
class Rule:
    """Inject `kind` into requests matching `method` and `key` (a regular expression searched
    in the key), `times` times (0: every time), skipping the first `skip` matches."""

    kind: str
    method: str = ""
    key: str = ""
    times: int = 1
    skip: int = 0
    seen: int = 0
    fired: int = 0

    def matches(self, method: str, key: str, headers: dict[str, str]) -> bool:
        if self.method and self.method != method:
            return False
        if self.key and not re.search(self.key, key):
            return False
        if self.kind == "412" and "if-match" not in headers and "if-none-match" not in headers:
            return False
        if self.kind == "reset" and method not in ("PUT", "POST"):
            return False
        self.seen += 1
        if self.seen <= self.skip or (self.times and self.fired >= self.times):
            return False
        self.fired += 1
        return True


@dataclass
class Faults:
    rules: list[Rule] = field(default_factory=list)
    mix: float = 0.0  # share of all requests that get a random fault
    seed: int = 1
    retry_after: float = 1.0  # seconds, sent with 429
    stall: float = 3.0  # seconds an answer is held back (past the client's read timeout)
    kinds: tuple[str, ...] = MIX_KINDS

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    def pick(self, method: str, key: str, headers: dict[str, str]) -> str:
        if key.startswith(CONTROL):
            return ""
        for rule in self.rules:
            if rule.matches(method, key, headers):
                return rule.kind
        if self.mix and self.random.random() < self.mix:
            conditional = "if-match" in headers or "if-none-match" in headers
            kinds = [
                k
                for k in self.kinds
                if (k != "412" or conditional) and (k != "reset" or method in ("PUT", "POST"))
            ]
            return self.random.choice(kinds)
        return ""

    @classmethod
    def from_json(cls, data: dict) -> Faults:  # type: ignore[type-arg]
        rules = [Rule(**rule) for rule in data.get("rules", [])]
        rest = {k: v for k, v in data.items() if k != "rules"}
        if "kinds" in rest:
            rest["kinds"] = tuple(rest["kinds"])
        return cls(rules=rules, **rest)


@dataclass(frozen=True)
class Stats:
    requests: int
    by_method: dict[str, int]
    max_in_flight: int
    critical_path: int  # sequential round trips: the longest chain of requests, each waiting
    faults: dict[str, int]
    seconds: float  # from the first request's start to the last one's end


def critical_path(records: list[Record], gap: float = 0.0) -> int:
    """The longest chain of requests, each starting after the previous one was answered.

    That is the number of round trips the client waited for one after the other: requests
    in flight together count once. A request that waited for an answer reaches the server side
    a round trip after that answer left it, so with `gap` (most of a round trip) a request of
    one upload thread that merely starts after another thread's request ended, without waiting
    for it, does not lengthen the chain. One pass by start time; a heap hands over the chains
    of the requests answered before each start.
    """
    done = [r for r in records if r.end]
    done.sort(key=lambda r: r.start)
    pending: list[tuple[float, int]] = []
    best_finished = 0
    longest = 0
    for record in done:
        while pending and pending[0][0] + gap <= record.start:
            best_finished = max(best_finished, heapq.heappop(pending)[1])
        chain = best_finished + 1
        longest = max(longest, chain)
        heapq.heappush(pending, (record.end, chain))
    return longest


def max_in_flight(records: list[Record]) -> int:
    events = [(r.start, 1) for r in records if r.end] + [(r.end, -1) for r in records if r.end]
    events.sort()
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def summarize(records: list[Record], round_trip: float = 0.0) -> Stats:
    by_method: dict[str, int] = {}
    faults: dict[str, int] = {}
    for record in records:
        by_method[record.method] = by_method.get(record.method, 0) + 1
        if record.fault:
            faults[record.fault] = faults.get(record.fault, 0) + 1
    ends = [r.end for r in records if r.end]
    seconds = max(ends) - min(r.start for r in records) if ends else 0.0
    return Stats(
        len(records),
        by_method,
        max_in_flight(records),
        critical_path(records, 0.9 * round_trip),
        faults,
        seconds,
    )


# -- the link -------------------------------------------------------------------------------


class _LinkIn:
    """What the client sent, readable on the server side only once it has crossed the link."""

    def __init__(self, reader: asyncio.StreamReader, link: LatencyProxy) -> None:
        self.reader = reader
        self.link = link
        self.queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        self.buffer = bytearray()
        self.eof = False
        self.pump = asyncio.ensure_future(self._pump())

    async def _pump(self) -> None:
        loop = asyncio.get_running_loop()
        # The handshake: the client's first byte leaves one round trip after it called connect.
        last = loop.time() + 2 * self.link.one_way
        while True:
            try:
                data = await self.reader.read(1 << 16)
            except (ConnectionError, OSError):
                data = b""
            last = max(last, loop.time() + self.link.one_way)
            await self.queue.put((last, data))
            if not data:
                return

    async def _more(self) -> None:
        if self.eof:
            raise asyncio.IncompleteReadError(bytes(self.buffer), None)
        at, data = await self.queue.get()
        delay = at - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)
        if not data:
            self.eof = True
            raise asyncio.IncompleteReadError(bytes(self.buffer), None)
        self.buffer += data

    async def until(self, marker: bytes, limit: int = 1 << 20) -> bytes:
        while True:
            at = self.buffer.find(marker)
            if at >= 0:
                line = bytes(self.buffer[: at + len(marker)])
                del self.buffer[: at + len(marker)]
                return line
            if len(self.buffer) > limit:
                raise ValueError("request head too long")
            await self._more()

    async def exactly(self, count: int) -> bytes:
        while len(self.buffer) < count:
            await self._more()
        data = bytes(self.buffer[:count])
        del self.buffer[:count]
        return data

    def close(self) -> None:
        self.pump.cancel()


class _LinkOut:
    """The answer, delivered to the client `one_way` after the server side wrote it."""

    def __init__(self, writer: asyncio.StreamWriter, link: LatencyProxy) -> None:
        self.writer = writer
        self.link = link
        self.queue: asyncio.Queue[tuple[float, bytes | str]] = asyncio.Queue()
        self.pump = asyncio.ensure_future(self._pump())

    def send(self, data: bytes | str) -> None:
        """bytes, or "close" / "reset" once what was sent before has arrived."""
        self.queue.put_nowait((asyncio.get_running_loop().time() + self.link.one_way, data))

    async def _pump(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                at, data = await self.queue.get()
                delay = at - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if data == "reset":
                    _reset(self.writer)
                    return
                if data == "close":
                    self.writer.close()
                    return
                assert isinstance(data, bytes)
                self.writer.write(data)
                await self.writer.drain()
        except (ConnectionError, OSError):
            self.writer.close()

    async def finish(self) -> None:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await self.pump


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST, as a dropped connection looks to the client."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


# -- HTTP -----------------------------------------------------------------------------------


def _parse_head(head: bytes) -> tuple[str, str, list[tuple[str, str]]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    return method, target, headers


def _get(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _key_of(target: str) -> str:
    parts = urlsplit(target)
    path = unquote(parts.path)
    key = path.lstrip("/").partition("/")[2] if not path.startswith(CONTROL) else path
    query = parts.query
    if query.startswith("uploads") or "&uploads" in query:
        key += "?uploads"
    elif "uploadId=" in query:
        key += "?partNumber" if "partNumber=" in query else "?uploadId"
    return key


async def _read_body(stream: _LinkIn, headers: list[tuple[str, str]]) -> bytes:
    length = _get(headers, "content-length")
    if length is not None:
        return await stream.exactly(int(length))
    if (_get(headers, "transfer-encoding") or "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int((await stream.until(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while (await stream.until(b"\r\n")) != b"\r\n":
                    pass
                return bytes(body)
            body += await stream.exactly(size)
            await stream.exactly(2)
    return b""


def _response(status: int, reason: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers]
    if _get(headers, "content-length") is None:  # a HEAD answer carries the object's own
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _error(status: int, code: str, extra: list[tuple[str, str]] | None = None) -> bytes:
    body = f"<Error><Code>{code}</Code><Message>injected by the link</Message></Error>".encode()
    reasons = {
        412: "Precondition Failed",
        429: "Too Many Requests",
        500: "Internal Server Error",
        503: "Service Unavailable",
    }
    headers = [("Content-Type", "application/xml"), *(extra or [])]
    return _response(status, reasons.get(status, "Error"), headers, body)


class _Upstream:
    """One kept-alive connection to the real server, opened on demand."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        for attempt in range(2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                return await self._exchange(method, target, headers, body)
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        assert self.reader is not None and self.writer is not None
        skip = {"expect", "transfer-encoding", "content-length", "connection"}
        lines = [f"{method} {target} HTTP/1.1"]
        lines += [f"{k}: {v}" for k, v in headers if k.lower() not in skip]
        if body or method in ("PUT", "POST"):
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *rest = head.decode("latin-1").split("\r\n")
        _, status_text, *reason = status_line.split(" ", 2)
        status = int(status_text)
        answer = []
        for line in rest:
            if line:
                name, _, value = line.partition(":")
                answer.append((name.strip(), value.strip()))
        data = b""
        if method == "HEAD" or status in _NO_BODY_STATUS or 100 <= status < 200:
            pass
        elif (_get(answer, "transfer-encoding") or "").lower() == "chunked":
            chunks = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    while (await self.reader.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    break
                chunks += await self.reader.readexactly(size)
                await self.reader.readexactly(2)
            data = bytes(chunks)
        elif _get(answer, "content-length") is not None:
            data = await self.reader.readexactly(int(_get(answer, "content-length") or 0))
        else:
            data = await self.reader.read()
            self.close()
        if (_get(answer, "connection") or "").lower() == "close":
            self.close()
        kept = [
            (k, v)
            for k, v in answer
            if k.lower() not in ("transfer-encoding", "connection", "content-length")
        ]
        if method == "HEAD":
            length = _get(answer, "content-length")
            if length is not None:
                kept.append(("Content-Length", length))
        return status, reason[0] if reason else "", kept, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class LatencyProxy:
    """`with LatencyProxy(upstream_port, one_way=0.025) as proxy:` ... `proxy.url`."""

    def __init__(self, upstream_port: int, one_way: float = 0.025, host: str = "127.0.0.1"):
        self.upstream = (host, upstream_port)
        self.one_way = one_way
        self.faults = Faults()
        self.records: list[Record] = []
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.connections = 0
        self.port = 0
        self.server: asyncio.base_events.Server | None = None
        self.key_locks: dict[str, asyncio.Lock] = {}

    # -- life -------------------------------------------------------------------------------

    def start(self, port: int = 0) -> LatencyProxy:
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(port), self.loop)
        future.result(10)
        return self

    async def _listen(self, port: int) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", port, backlog=256)
        self.port = self.server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        async def close() -> None:
            if self.server is not None:
                self.server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    def __enter__(self) -> LatencyProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- what it saw ------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.records = []

    def snapshot(self) -> list[Record]:
        with self.lock:
            return list(self.records)

    def stats(self) -> Stats:
        return summarize(self.snapshot(), 2 * self.one_way)

    def set_faults(self, faults: Faults) -> None:
        self.faults = faults

    @contextlib.contextmanager
    def faulty(self, faults: Faults) -> Iterator[Faults]:
        self.faults = faults
        try:
            yield faults
        finally:
            self.faults = Faults()

    # -- serving ----------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        with contextlib.suppress(OSError):
            writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        incoming, outgoing = _LinkIn(reader, self), _LinkOut(writer, self)
        upstream = _Upstream(*self.upstream)
        try:
            while await self._one(incoming, outgoing, upstream, number):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, OSError):
            outgoing.send("close")
        except asyncio.CancelledError:  # the proxy stops
            outgoing.pump.cancel()
        finally:
            incoming.close()
            upstream.close()
            with contextlib.suppress(asyncio.CancelledError):
                await outgoing.finish()

    async def _one(
        self, incoming: _LinkIn, outgoing: _LinkOut, upstream: _Upstream, connection: int
    ) -> bool:
        """One request; False when the connection is to be closed."""
        head = await incoming.until(b"\r\n\r\n")
        loop = asyncio.get_running_loop()
        method, target, headers = _parse_head(head)
        key = _key_of(target)
        if key.startswith(CONTROL):
            body = await _read_body(incoming, headers)
            outgoing.queue.put_nowait((0.0, self._control(method, key, body)))
            return True
        kept = {k.lower(): v for k, v in headers if k.lower() in _KEPT_HEADERS}
        record = Record(method, key, loop.time(), connection=connection, headers=kept)
        with self.lock:
            self.records.append(record)
        fault = self.faults.pick(method, key, kept)
        record.fault = fault
        expects = (_get(headers, "expect") or "").lower() == "100-continue"
        has_body = _get(headers, "content-length") not in (None, "0") or _get(
            headers, "transfer-encoding"
        )
        if fault in ("429", "500", "503", "412") and expects and has_body:
            # A final answer instead of 100 Continue: the client sends no body; the connection
            # cannot be reused (this side never reads the body), so it closes.
            self._answer(record, outgoing, self._fault_answer(fault))
            outgoing.send("close")
            return False
        if expects and has_body:
            outgoing.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        if fault == "reset":
            length = int(_get(headers, "content-length") or 0)
            with contextlib.suppress(asyncio.IncompleteReadError):
                await incoming.exactly(length // 2)
            record.end, record.status = loop.time(), 0
            outgoing.send("reset")
            return False
        body = await _read_body(incoming, headers)
        if fault in ("429", "500", "503", "412"):
            self._answer(record, outgoing, self._fault_answer(fault))
            return True
        answer = await self._forward(method, target, key, headers, body, upstream)
        if fault == "stall":
            # It took effect; the answer never comes: the client times out and retries.
            await asyncio.sleep(self.faults.stall)
            record.end = loop.time()
            outgoing.send("reset")
            return False
        self._answer(record, outgoing, answer)
        return (_get(headers, "connection") or "").lower() != "close"

    def _answer(self, record: Record, outgoing: _LinkOut, data: bytes) -> None:
        record.status = int(data.split(b" ", 2)[1])
        record.end = asyncio.get_running_loop().time()
        outgoing.send(data)

    def _fault_answer(self, fault: str) -> bytes:
        if fault == "429":
            return _error(429, "SlowDown", [("Retry-After", f"{self.faults.retry_after:g}")])
        if fault == "412":
            return _error(412, "PreconditionFailed")
        return _error(int(fault), "InternalError" if fault == "500" else "ServiceUnavailable")

    async def _forward(
        self,
        method: str,
        target: str,
        key: str,
        headers: list[tuple[str, str]],
        body: bytes,
        upstream: _Upstream,
    ) -> bytes:
        conditional_multipart = (
            method == "POST"
            and (key.endswith("?uploads") or key.endswith("?uploadId"))
            and _get(headers, "if-none-match") == "*"
        )
        if not conditional_multipart:
            status, reason, answer, data = await upstream.exchange(method, target, headers, body)
            return _response(status, reason, answer, data)
        # R2's create-only multipart: refused (412) when the key exists, at creation and at
        # completion, atomically with the completion.
        plain = key.rsplit("?", 1)[0]
        lock = self.key_locks.setdefault(plain, asyncio.Lock())
        async with lock:
            path = urlsplit(target).path
            status, _, _, _ = await upstream.exchange("HEAD", path, _signing(headers), b"")
            if status == 200:
                return _error(412, "PreconditionFailed")
            status, reason, answer, data = await upstream.exchange(method, target, headers, body)
            return _response(status, reason, answer, data)

    def _control(self, method: str, key: str, body: bytes) -> bytes:
        what = key[len(CONTROL) :]
        reply: object = {}
        if what == "stats":
            reply = asdict(self.stats())
        elif what == "records":
            reply = [asdict(r) for r in self.snapshot()]
        elif what == "reset" and method == "POST":
            self.reset()
        elif what == "delay" and method == "POST":
            self.one_way = float(json.loads(body)["one_way"])
        elif what == "faults" and method == "POST":
            self.faults = Faults.from_json(json.loads(body or b"{}"))
        else:
            return _response(404, "Not Found", [], b"{}")
        return _response(
            200, "OK", [("Content-Type", "application/json")], json.dumps(reply).encode()
        )


def _signing(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers for the proxy's own HEAD: moto checks no signatures, only the host matters."""
    return [(k, v) for k, v in headers if k.lower() in ("host", "authorization", "x-amz-date")]
