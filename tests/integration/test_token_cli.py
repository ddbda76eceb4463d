"""`r2repo token` and `r2repo access`, and `r2repo serve` enforcing what they wrote."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from pathlib import Path

from routes.access import token_digest
from tests.conftest import tree_digest
from tests.support.server import serving


def get(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url)
    if token is not None:
        basic = base64.b64encode(f"ci:{token}".encode()).decode()
        request.add_header("Authorization", f"Basic {basic}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_token_lifecycle(r2repo, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert r2repo("access", "set", "--store", store, "--private", "/private/").code == 0
    created = r2repo(
        "token", "create", "--store", store, "--name", "ci", "--prefix", "private",
        "--expires", "2099-01-01",
    )  # fmt: skip
    assert created.code == 0, created
    token = created.out.strip()
    assert token.startswith("r2r_") and len(token) > 40
    stored = (store / "_r2repo/access.json").read_text()
    assert token not in stored and token_digest(token) in stored
    assert json.loads(stored)["rules"] == [{"prefix": "private", "access": "private"}]
    listed = r2repo("token", "list", "--store", store)
    assert listed.out.split("\t")[0:2] == ["ci", "private"]
    assert "2099-01-01T00:00:00Z" in listed.out and listed.out.strip().endswith("valid")
    assert r2repo("access", "show", "--store", store).out == "private\tprivate\n"
    assert r2repo("token", "revoke", "--store", store, "ci").code == 0
    assert r2repo("token", "list", "--store", store).out == ""


def test_bad_input_changes_nothing(r2repo, tmp_path: Path) -> None:
    store = tmp_path / "store"
    r2repo("token", "create", "--store", store, "--name", "ci", "--prefix", "p")
    before = tree_digest(store)
    for args, message in [
        (("token", "create", "--name", "ci", "--prefix", "p"), "already exists"),
        (("token", "create", "--name", "x", "--prefix", "p", "--expires", "2001-01-01"), "past"),
        (("token", "create", "--name", "x", "--prefix", "p", "--expires", "soon"), "ISO 8601"),
        (("token", "create", "--name", "bad name", "--prefix", "p"), "token name"),
        (("token", "create", "--name", "x", "--prefix", "a/../b"), "'..'"),
        (("token", "revoke", "nobody"), "no such token"),
        (("access", "set", "--private", "a", "--public", "a"), "both"),
    ]:
        result = r2repo(*args[:2], "--store", store, *args[2:])
        assert result.code == 1, (args, result)
        assert message in result.err and len(result.err.strip().splitlines()) == 1
    assert r2repo("access", "set", "--store", store).code == 2
    assert tree_digest(store) == before


def test_serve_enforces_tokens(r2repo, tmp_path: Path) -> None:
    store = tmp_path / "store"
    (store / "private").mkdir(parents=True)
    (store / "private/file.txt").write_text("secret\n")
    (store / "open.txt").write_text("hello\n")
    r2repo("access", "set", "--store", store, "--private", "private")
    token = r2repo("token", "create", "--store", store, "--name", "ci", "--prefix", "private").out
    with serving(store) as url:
        assert get(url + "open.txt") == 200
        assert get(url + "private/file.txt") == 401
        assert get(url + "private/file.txt", "wrong") == 401
        assert get(url + "private/file.txt", token.strip()) == 200
        assert get(url + "_r2repo/access.json", token.strip()) == 404


def test_unreadable_rules_lock_everything(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (store / "_r2repo").mkdir(parents=True)
    (store / "_r2repo/access.json").write_text("{not json")
    (store / "open.txt").write_text("hello\n")
    with serving(store) as url:
        assert get(url + "open.txt") == 503  # refused, not public, until the file is fixed
