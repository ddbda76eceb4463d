"""`r2repo serve` as a real process over a local store, spoken to with http.client.

http.client sends the path exactly as given, so `/../` and `%2e%2e` reach the server raw.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest

from tests.support.server import (
    REPO_ROOT,
    fetch,
    free_port,
    serve_argv,
    serving,
    start_server,
    stop_server,
)

DEB_KEY = "pool/main/h/hello/hello_1.0_amd64.deb"
DEB = os.urandom(3 * 1024 * 1024 + 17)
INRELEASE = b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: test\n"
VOLATILE = {"date", "server"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    root = tmp_path_factory.mktemp("repo")
    for key, data in {
        DEB_KEY: DEB,
        "dists/x/InRelease": INRELEASE,
        # Valid (an unreadable rules file locks everything); never served all the same.
        "_r2repo/access.json": b'{"version": 1, "rules": [], "tokens": [{"name": "secret", '
        b'"sha256": "' + b"0" * 64 + b'", "prefixes": ["p"]}]}',
        ".r2repo.lock": b"",
        "empty": b"",
    }.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        # An hour old: Last-Modified is only sent once it is a usable validator.
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    (root.parent / "outside.txt").write_bytes(b"outside the repository\n")
    port = free_port()
    with serving(root, port):
        yield port


def stable(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in VOLATILE}


@pytest.mark.parametrize("path", ["/" + DEB_KEY, "/dists/x/InRelease", "/empty", "/missing"])
def test_head_equals_get(server: int, path: str) -> None:
    get_status, get_headers, _ = fetch(server, path)
    head_status, head_headers, head_body = fetch(server, path, "HEAD")
    assert head_status == get_status
    assert stable(head_headers) == stable(get_headers)
    assert head_body == b""


def test_full_get_streams_large_file(server: int) -> None:
    status, headers, body = fetch(server, "/" + DEB_KEY)
    assert status == 200
    assert int(headers["content-length"]) == len(DEB)
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(DEB).hexdigest()
    assert headers["accept-ranges"] == "bytes"
    assert headers["etag"].startswith('"')
    assert headers["last-modified"].endswith(" GMT")


def test_deb_headers(server: int) -> None:
    _, headers, _ = fetch(server, "/" + DEB_KEY, "HEAD")
    assert headers["content-type"] == "application/vnd.debian.binary-package"
    assert headers["cache-control"] == "public, max-age=31536000, immutable"


def test_inrelease_headers(server: int) -> None:
    status, headers, body = fetch(server, "/dists/x/InRelease")
    assert (status, body) == (200, INRELEASE)
    assert headers["content-type"] == "text/plain; charset=utf-8"
    assert headers["cache-control"] == "public, max-age=60, must-revalidate"


@pytest.mark.parametrize(
    ("range_", "start", "end"),
    [
        ("bytes=10-19", 10, 19),
        ("bytes=-5", len(DEB) - 5, len(DEB) - 1),
        ("bytes=100-", 100, len(DEB) - 1),
        ("bytes=262140-600000", 262140, 600000),  # across chunk boundaries
    ],
)
def test_range(server: int, range_: str, start: int, end: int) -> None:
    status, headers, body = fetch(server, "/" + DEB_KEY, headers={"Range": range_})
    assert status == 206
    assert body == DEB[start : end + 1]
    assert headers["content-range"] == f"bytes {start}-{end}/{len(DEB)}"
    assert int(headers["content-length"]) == end - start + 1


def test_garbage_range_is_ignored(server: int) -> None:
    status, _, body = fetch(server, "/dists/x/InRelease", headers={"Range": "bytes=oops"})
    assert (status, body) == (200, INRELEASE)


def test_unsatisfiable_range(server: int) -> None:
    status, headers, _ = fetch(server, "/" + DEB_KEY, headers={"Range": f"bytes={len(DEB)}-"})
    assert status == 416
    assert headers["content-range"] == f"bytes */{len(DEB)}"


def test_not_modified(server: int) -> None:
    _, headers, _ = fetch(server, "/" + DEB_KEY, "HEAD")
    status, got, body = fetch(server, "/" + DEB_KEY, headers={"If-None-Match": headers["etag"]})
    assert status == 304
    assert body == b""
    assert got["etag"] == headers["etag"]
    assert "content-length" not in got or got["content-length"] == "0"
    since = {"If-Modified-Since": headers["last-modified"]}
    assert fetch(server, "/dists/x/InRelease", headers=since)[0] == 304


def test_precondition_failed(server: int) -> None:
    status, _, body = fetch(server, "/" + DEB_KEY, headers={"If-Match": '"not-the-etag"'})
    assert status == 412
    assert len(body) < 100


def test_if_range(server: int) -> None:
    _, headers, _ = fetch(server, "/dists/x/InRelease", "HEAD")
    fresh = {"Range": "bytes=0-4", "If-Range": headers["etag"]}
    assert fetch(server, "/dists/x/InRelease", headers=fresh)[:3:2] == (206, INRELEASE[:5])
    stale = {"Range": "bytes=0-4", "If-Range": '"old"'}
    assert fetch(server, "/dists/x/InRelease", headers=stale)[:3:2] == (200, INRELEASE)


@pytest.mark.parametrize(
    "path",
    [
        "/../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/pool/..%2f..%2f",
        "/pool/..%2f..%2foutside.txt",
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/_r2repo/access.json",
        "/_r2repo/",
        "/%5Fr2repo/access.json",
        "/.r2repo.lock",
        "/pool//main/h/hello/hello_1.0_amd64.deb",
        "/pool/main/h/hello/hello_1.0_amd64.deb%00",
        "/pool",
        "/nothing-here",
    ],
)
def test_not_found(server: int, path: str) -> None:
    status, headers, body = fetch(server, path)
    assert status == 404
    assert body == b"Not Found\n"
    assert b"secret" not in body and b"outside" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_method_not_allowed(server: int, method: str) -> None:
    before = fetch(server, "/" + DEB_KEY, "HEAD")[1]["etag"]
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    try:
        conn.request(method, "/" + DEB_KEY, body=b"new bytes")
        response = conn.getresponse()
        response.read()
        assert response.status == 405
        assert response.getheader("Allow") == "GET, HEAD"
    finally:
        conn.close()
    assert fetch(server, "/" + DEB_KEY, "HEAD")[1]["etag"] == before  # the file is untouched


def test_client_that_goes_away_does_not_hurt_the_server(server: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    conn.request("GET", "/" + DEB_KEY)
    response = conn.getresponse()
    assert response.read(1000) == DEB[:1000]
    conn.sock.close()  # type: ignore[union-attr]
    conn.close()
    status, _, body = fetch(server, "/" + DEB_KEY, headers={"Range": "bytes=-3"})
    assert (status, body) == (206, DEB[-3:])


def test_a_second_server_on_the_same_port_is_refused(server: int, tmp_path) -> None:
    done = subprocess.run(
        serve_argv(tmp_path, server),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"error: 127.0.0.1:{server}: cannot listen there (Address already in use); "
        "choose another with --port"
    )
    assert fetch(server, "/dists/x/InRelease")[2] == INRELEASE  # the first one still serves


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_server(tmp_path, signum: int) -> None:
    port = free_port()
    proc = start_server(serve_argv(tmp_path, port), port)
    try:
        proc.send_signal(signum)
        assert proc.wait(timeout=10) in (0, 130)
    finally:
        stop_server(proc)
