"""Several ranges in one Range field (dnf/librepo with zchunk send `bytes=a-b,c-d`): the Worker
(from R2 and from its edge cache) and `r2repo serve` over the same store answer either the whole
object (200) or a multipart/byteranges 206 with every range, never a 206 with one of them.
Requests go out raw (the field byte for byte) and through curl."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.runtime.conftest import Deployment
from tests.support.server import serving

PATH = "/pool/main/r/rt-hello/rt-hello_1.0-1_amd64.deb"
SERVERS = ("worker", "worker-cached", "serve")
# (Range field, the ranges it asks for as inclusive (start, end), None for "ignore it")
CASES = [
    ("bytes=0-1,5-6", [(0, 1), (5, 6)]),
    ("bytes=0-1, 4-9", [(0, 1), (4, 9)]),
    ("bytes=0-99,100-199", [(0, 99), (100, 199)]),  # adjacent
    ("bytes=10-19,0-3", [(10, 19), (0, 3)]),  # out of order
    ("bytes=0-1,0-1", [(0, 1), (0, 1)]),
    ("bytes=-5,0-1", [(-5, -1), (0, 1)]),
    ("bytes=0-1,999999999-", [(0, 1)]),  # the second is past the end: only the first exists
    ("bytes=0-1,x", None),  # not a range-set at all
    ("bytes=0-1, ", [(0, 1)]),  # an empty list element counts for nothing (RFC 9110 5.6.1)
    ("bytes=,0-1", [(0, 1)]),
    ("bytes= 0-1 ,,", [(0, 1)]),
]


@pytest.fixture(scope="module")
def ports(deployment: Deployment) -> Iterator[dict[str, int]]:
    with serving(deployment.store) as url:
        worker = int(deployment.url.rsplit(":", 1)[1])
        yield {
            "worker": worker,
            "worker-cached": worker,
            "serve": int(url.rstrip("/").rsplit(":", 1)[1]),
        }


def _path(server: str) -> str:
    """PATH; for the Worker past its edge cache, under a cache key of its own (a listing's
    `cursor` is the one query parameter the key keeps; a file ignores it)."""
    return f"{PATH}?cursor={uuid.uuid4().hex}" if server == "worker" else PATH


def _warm(port: int) -> None:
    """Until the Worker's edge cache holds the whole object (stored after the response)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status, headers, _ = raw_get(port, PATH, None)  # a whole 200 is what gets stored
        if headers.get("x-r2repo-cache") == "HIT":
            return
        time.sleep(0.2)
    raise AssertionError("the object never came from the edge cache")


def raw_get(port: int, path: str, range_field: str | None) -> tuple[int, dict[str, str], bytes]:
    """GET with the Range field exactly as given (None: none), on a fresh connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        field = "" if range_field is None else f"Range: {range_field}\r\n"
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{field}Connection: close\r\n\r\n"
        )
        sock.sendall(request.encode("latin-1"))
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def _resolve(ranges: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    spans = []
    for start, end in ranges:
        if start < 0:
            start, end = size + start, size - 1
        if start < size:
            spans.append((start, min(end, size - 1)))
    return spans


def assert_all_ranges_or_whole(
    status: int,
    headers: dict[str, str],
    body: bytes,
    data: bytes,
    ranges: list[tuple[int, int]] | None,
) -> None:
    size = len(data)
    if status == 200:
        assert body == data
        return
    assert status == 206, status
    assert ranges is not None, "a Range field that is not a range-set must be ignored"
    spans = _resolve(ranges, size)
    if len(spans) == 1:
        start, end = spans[0]
        assert headers["content-range"] == f"bytes {start}-{end}/{size}"
        assert body == data[start : end + 1]
        return
    content_type = headers["content-type"]
    assert content_type.startswith("multipart/byteranges"), (content_type, "one range of several")
    boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
    got = []
    for part in body.split(b"--" + boundary)[1:-1]:  # before the first: preamble; last: "--"
        head, _, payload = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        fields = dict(line.decode().lower().split(": ", 1) for line in head.split(b"\r\n") if line)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", fields["content-range"])
        assert match and int(match.group(3)) == size, fields
        start, end = int(match.group(1)), int(match.group(2))
        assert payload.removesuffix(b"\r\n") == data[start : end + 1]
        got.append((start, end))
    covered = {i for start, end in got for i in range(start, end + 1)}
    assert covered == {i for start, end in spans for i in range(start, end + 1)}


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize(("range_field", "ranges"), CASES)
def test_several_ranges_raw(
    deployment: Deployment,
    ports: dict[str, int],
    server: str,
    range_field: str,
    ranges: list[tuple[int, int]] | None,
) -> None:
    data = (deployment.store / PATH[1:]).read_bytes()
    if server == "worker-cached":
        _warm(ports[server])
    status, headers, body = raw_get(ports[server], _path(server), range_field)
    assert (headers.get("x-r2repo-cache") == "HIT") == (server == "worker-cached")
    assert_all_ranges_or_whole(status, headers, body, data, ranges)


@pytest.mark.parametrize("server", SERVERS)
def test_several_ranges_with_curl(
    deployment: Deployment, ports: dict[str, int], server: str, tmp_path
) -> None:
    data = (deployment.store / PATH[1:]).read_bytes()
    if server == "worker-cached":
        _warm(ports[server])
    out, head = tmp_path / "body", tmp_path / "headers"
    url = f"http://127.0.0.1:{ports[server]}{_path(server)}"
    command = ["curl", "-sS", "-r", "0-1,5-6", "-D", str(head), "-o", str(out), url]
    subprocess.run(command, check=True, timeout=30)
    lines = head.read_text().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        k.strip().lower(): v.strip()
        for k, _, v in (line.partition(":") for line in lines[1:] if line)
    }
    assert_all_ranges_or_whole(status, headers, out.read_bytes(), data, [(0, 1), (5, 6)])
