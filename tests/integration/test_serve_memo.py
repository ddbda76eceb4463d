"""`r2repo serve` replays small responses from memory: never once the file or the rules changed.

A real server process over a LocalStore; files are replaced as the store replaces them (a new
file renamed over the old one), and access rules as `r2repo access set` writes them.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from routes.access import Access, Token, token_digest
from tests.support.server import fetch, free_port, serving

INRELEASE = "dists/y/InRelease"
PACKAGES = "dists/y/main/binary-amd64/Packages"  # replaced in place: never streamed by path
HOUR_AGO = time.time() - 3600


def _write(root: Path, key: str, data: bytes, mtime: float = HOUR_AGO) -> None:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    temp.write_bytes(data)
    os.utime(temp, (mtime, mtime))
    os.replace(temp, path)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    _write(tmp_path, INRELEASE, b"first\n")
    port = free_port()
    with serving(tmp_path, port):
        yield tmp_path, port


def test_a_replaced_file_is_served_new(served: tuple[Path, int]) -> None:
    root, port = served
    path = "/" + INRELEASE
    for _ in range(3):  # the second and third are replays
        status, headers, body = fetch(port, path)
        assert (status, body) == (200, b"first\n")
    old_etag = headers["etag"]
    for _ in range(3):
        assert fetch(port, path, headers={"If-None-Match": old_etag})[0] == 304
    _write(root, INRELEASE, b"second\n", HOUR_AGO + 60)  # same size would do as well: new inode
    status, headers, body = fetch(port, path)
    assert (status, body) == (200, b"second\n")
    assert headers["etag"] != old_etag
    status, _, body = fetch(port, path, headers={"If-None-Match": old_etag})
    assert (status, body) == (200, b"second\n")
    (root / INRELEASE).unlink()
    assert fetch(port, path)[0] == 404


def test_head_and_ranges_are_told_apart(served: tuple[Path, int]) -> None:
    _, port = served
    path = "/" + INRELEASE
    assert fetch(port, path)[2] == b"first\n"
    head = fetch(port, path, "HEAD")
    assert (head[0], head[1]["content-length"], head[2]) == (200, "6", b"")
    assert fetch(port, path, headers={"Range": "bytes=0-1"})[2] == b"fi"
    assert fetch(port, path, headers={"Range": "bytes=2-3"})[2] == b"rs"
    assert fetch(port, path)[2] == b"first\n"


def test_a_large_index_replaced_in_place_streams_whole(served: tuple[Path, int]) -> None:
    root, port = served
    for round_ in range(3):
        data = (f"Package: p{round_}\n".encode() * 70_000)[: 1_000_000 + round_]
        _write(root, PACKAGES, data, HOUR_AGO + round_)
        status, headers, body = fetch(port, "/" + PACKAGES)
        assert status == 200
        assert int(headers["content-length"]) == len(data)
        assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
        assert fetch(port, "/" + PACKAGES, headers={"Range": "bytes=-5"})[2] == data[-5:]


@pytest.mark.slow
def test_no_replay_once_the_path_turned_private(served: tuple[Path, int]) -> None:
    root, port = served
    path = "/" + INRELEASE
    assert fetch(port, path)[0] == 200
    assert fetch(port, path)[0] == 200
    token = "t-" + os.urandom(8).hex()
    rules = Access({"dists/y": True}, (Token("ci", token_digest(token), ("dists/y",), 0.0, None),))
    _write(root, "_r2repo/access.json", rules.to_json(), time.time())
    deadline = time.monotonic() + 10
    while fetch(port, path)[0] == 200 and time.monotonic() < deadline:
        time.sleep(0.2)  # the rules are re-read every ACCESS_TTL seconds
    status, headers, _ = fetch(port, path)
    assert status == 401
    assert "private" not in headers.get("cache-control", "")  # a refusal is never cached at all
    bearer = {"Authorization": f"Bearer {token}"}
    for _ in range(3):
        status, headers, body = fetch(port, path, headers=bearer)
        assert (status, body) == (200, b"first\n")
        assert headers["cache-control"].startswith("private")
    assert fetch(port, path)[0] == 401  # what the token fetched is not replayed to others
