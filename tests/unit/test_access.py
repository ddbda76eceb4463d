"""routes.access (rules, credentials, decisions) and routes.edge (cache rules)."""

from __future__ import annotations

import base64

import pytest

from routes import Request, Response
from routes.access import (
    Access,
    AccessFileError,
    Token,
    authorize,
    covers,
    parse_access,
    presented_token,
    token_digest,
)
from routes.edge import cache_key, may_look_up, served_cache_control, should_store
from routes.openpgp import public_keys

NOW = 1_800_000_000.0
ACCESS = Access(
    {"private": True, "private/public-docs": False},
    (
        Token("ci", token_digest("good"), ("private",), 0.0, None),
        Token("old", token_digest("stale"), ("private",), 0.0, NOW - 1),
        Token("other", token_digest("elsewhere"), ("secret",), 0.0, None),
    ),
)


def basic(user: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_covers_is_by_path_segment() -> None:
    assert covers("private", "private/x") and covers("private", "private/")
    assert not covers("private", "privateer/x")
    assert covers("", "anything")


def test_longest_rule_wins() -> None:
    assert ACCESS.is_private("private/dists/x/InRelease")
    assert not ACCESS.is_private("private/public-docs/readme.txt")
    assert not ACCESS.is_private("dists/x/InRelease")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"authorization": "Bearer abc"}, "abc"),
        (basic("ci", "tok"), "tok"),
        (basic("tok", ""), "tok"),
        ({"authorization": "Basic !!!"}, None),
        ({"authorization": "Digest x"}, None),
    ],
)
def test_presented_token(headers: dict[str, str], expected: str | None) -> None:
    assert presented_token(headers) == expected


@pytest.mark.parametrize(
    ("headers", "key", "status"),
    [
        ({}, "private/a.deb", 401),
        ({"authorization": "Bearer wrong"}, "private/a.deb", 401),
        ({"authorization": "Bearer stale"}, "private/a.deb", 401),
        ({"authorization": "Bearer elsewhere"}, "private/a.deb", 403),
        ({"authorization": "Bearer good"}, "private/a.deb", None),
        (basic("ci", "good"), "private/a.deb", None),
        ({}, "dists/x/Release", None),
        ({"authorization": "Bearer wrong"}, "dists/x/Release", None),
        ({}, None, None),
    ],
)
def test_authorize(headers: dict[str, str], key: str | None, status: int | None) -> None:
    decision = authorize(ACCESS, key, headers, NOW)
    assert decision.status == status
    assert decision.private == (key is not None and key.startswith("private"))


def test_listing_visibility() -> None:
    anonymous = authorize(ACCESS, "", {}, NOW)
    assert not anonymous.may_read("private/") and anonymous.may_read("pool/")
    assert authorize(ACCESS, "", {"authorization": "Bearer good"}, NOW).may_read("private/")


def test_round_trip_and_bad_files() -> None:
    assert parse_access(ACCESS.to_json()) == ACCESS
    for data in (b"{", b"[]", b'{"version": 2}', b'{"version": 1, "rules": [{"prefix": 1}]}'):
        with pytest.raises(AccessFileError):
            parse_access(data)


def test_cache_key_drops_credentials_and_idle_queries() -> None:
    url = "https://user:pw@pkg.example.com/pool/a.deb?utm=1&cursor=x"
    assert cache_key(url, False) == "https://pkg.example.com/pool/a.deb?cursor=x"
    assert cache_key(url, True) == "https://pkg.example.com/_r2repo/private/pool/a.deb?cursor=x"


def test_cache_rules() -> None:
    public = authorize(ACCESS, "pool/a.deb", {}, NOW)
    get = Request("GET", "/pool/a.deb")
    assert may_look_up(get, "pool/a.deb", public)
    assert not may_look_up(Request("GET", "/x", headers={"if-match": '"a"'}), "x", public)
    refused = authorize(ACCESS, "private/a", {}, NOW)
    assert not may_look_up(Request("GET", "/private/a"), "private/a", refused)
    full = Response(200, [("cache-control", "public"), ("content-length", "3")], b"abc")
    assert should_store(get, full)
    assert not should_store(Request("HEAD", "/pool/a.deb"), full)
    assert not should_store(get, Response(206, [("content-range", "bytes 0-0/3")], b"a"))
    assert not should_store(get, Response(200, [("cache-control", "private, no-store")], b""))
    assert served_cache_control("public, max-age=60", True) == "private, max-age=60"


def test_openpgp_fingerprint_of_a_real_key(key_dir) -> None:
    import subprocess

    listed = subprocess.run(
        ["gpg", "--show-keys", "--with-colons", str(key_dir / "key.asc")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = [line.split(":")[9] for line in listed.splitlines() if line.startswith("fpr")][0]
    for name in ("key.asc", "key.gpg"):
        keys = public_keys((key_dir / name).read_bytes())
        assert keys[0].fingerprint == expected
        assert keys[0].user_ids == ["Test Repo <repo@example.com>"]
