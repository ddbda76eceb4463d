"""`r2repo serve` keeps private paths private whatever goes wrong with the rules or the request.

Each test drives the real `r2repo` CLI and a real `r2repo serve` process over HTTP; the Worker's
counterparts are in tests/runtime/test_worker_security.py.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.ops.access import RULES_REQUIRED_KEY
from tests.support.debs import build_deb
from tests.support.s3 import MotoS3, s3_env
from tests.support.server import (
    fetch,
    free_port,
    serve_argv,
    server_output,
    start_server,
    stop_server,
)

ACCESS_TTL = 2.0  # publisher/serve/app.py re-reads the rules this often
KELVIN = "%E2%84%AA"  # U+212A KELVIN SIGN, which NFC (and R2) turn into "K"


@dataclass
class Served:
    store: Path
    port: int
    token: str
    process: object

    def get(self, path: str, token: str | None = None, **headers: str) -> int:
        if token is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(f"u:{token}".encode()).decode()
        return fetch(self.port, path, headers=headers)[0]

    def output(self) -> str:
        return server_output(self.process)  # type: ignore[arg-type]


def _setup(r2repo, tmp_path: Path, key_dir: Path) -> tuple[Path, str]:
    store = tmp_path / "store"
    deb = build_deb(tmp_path, "sec-pub", "1.0", "all", "gzip")
    signing = ("--signing-key", key_dir / "signing-key.asc")
    assert r2repo("publish", "--store", store, "--dist", "stable", *signing, deb).code == 0
    # Private folders whose names other spellings reach: R2 (NFC) and a case-insensitive disk.
    for folder in ("private", "Kernel", "\u00e9quipe"):
        (store / folder).mkdir()
        shutil.copy(deb, store / folder / "x.deb")
    for folder in ("private", "Kernel", "\u00e9quipe"):
        assert r2repo("access", "set", "--store", store, "--private", folder).code == 0
    created = r2repo("token", "create", "--store", store, "--name", "ci", "--prefix", "/")
    assert created.code == 0, created
    return store, created.out.strip()


@pytest.fixture
def served(r2repo, tmp_path: Path, key_dir: Path) -> Iterator[Served]:
    store, token = _setup(r2repo, tmp_path, key_dir)
    port = free_port()
    process = start_server(serve_argv(store, port), port)
    try:
        yield Served(store, port, token, process)
    finally:
        stop_server(process)


def _after_ttl() -> None:
    time.sleep(ACCESS_TTL + 0.3)


def test_other_spellings_of_a_private_prefix_are_private(served: Served) -> None:
    for path in (
        f"/{KELVIN}ernel/x.deb",  # the KELVIN SIGN form of Kernel/
        "/e%CC%81quipe/x.deb",  # NFD of équipe/
        "/%C3%A9quipe/x.deb",  # NFC, as stored
        "/KERNEL/x.deb",  # what a case-insensitive file system opens as Kernel/
        "/PRIVATE/x.deb",
        "/Private/",
    ):
        assert served.get(path) == 401, path
    # The normalised forms name the stored objects: with a token they are served.
    assert served.get(f"/{KELVIN}ernel/x.deb", served.token) == 200
    assert served.get("/e%CC%81quipe/x.deb", served.token) == 200
    assert served.get("/pool/", None) == 200  # public stays public


def test_refusals_are_logged_without_the_token(served: Served) -> None:
    assert served.get("/private/x.deb") == 401
    assert served.get("/private/x.deb", "r2r_wrong") == 401
    assert served.get("/private/x.deb", served.token) == 200
    deadline = time.monotonic() + 5
    while "401 GET /private/x.deb" not in served.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = [line for line in served.output().splitlines() if "401 GET /private/x.deb" in line]
    assert len(lines) == 2, served.output()
    assert "a token is needed" in lines[0] and "unknown, revoked or expired token" in lines[1]
    assert served.token not in served.output() and "r2r_wrong" not in served.output()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("label", "document"),
    [
        ("access other than private/public", {"version": 1, "rules": [
            {"prefix": "private", "access": "Private"}]}),
        ("a string where the token's prefixes belong", {"version": 1, "rules": [
            {"prefix": "private", "access": "private"}], "tokens": [
            {"name": "t", "sha256": "0" * 64, "prefixes": "private"}]}),
        ("not JSON", None),
    ],
)  # fmt: skip
def test_a_rules_file_that_cannot_be_read_exactly_locks_everything(
    served: Served, label: str, document: dict | None
) -> None:
    rules = served.store / "_r2repo/access.json"
    rules.write_text("{not json" if document is None else json.dumps(document))
    _after_ttl()
    for path in ("/private/x.deb", "/dists/stable/InRelease", "/"):
        assert served.get(path) == 503, (label, path)
    assert served.get("/private/x.deb", served.token) == 503, label
    assert "503 GET /private/x.deb" in served.output()


@pytest.mark.slow
def test_a_store_error_while_reading_the_rules_locks_everything(served: Served) -> None:
    rules = served.store / "_r2repo/access.json"
    rules.unlink()
    rules.symlink_to(rules.name)  # ELOOP on open: an OSError that is not "no such file"
    _after_ttl()
    assert served.get("/private/x.deb") == 503
    assert served.get("/dists/stable/InRelease") == 503


@pytest.mark.slow
def test_lost_rules_lock_the_repository_until_the_operator_resets_them(
    r2repo, served: Served
) -> None:
    assert (served.store / RULES_REQUIRED_KEY).is_file()
    (served.store / "_r2repo/access.json").unlink()
    _after_ttl()
    assert served.get("/private/x.deb") == 503
    assert served.get("/dists/stable/InRelease") == 503
    listed = r2repo("token", "list", "--store", served.store)
    assert listed.code != 0 and "access reset" in listed.err, listed
    assert r2repo("access", "reset", "--store", served.store).code != 0  # needs --yes
    assert r2repo("access", "reset", "--store", served.store, "--yes").code == 0
    _after_ttl()
    assert served.get("/private/x.deb") == 200  # the operator said so


def test_a_repository_in_a_sub_folder_keeps_its_state_private(
    r2repo, served: Served, key_dir: Path, tmp_path: Path
) -> None:
    team = served.store / "team"
    deb = build_deb(tmp_path, "sec-team", "1.0", "all", "gzip")
    signing = ("--signing-key", key_dir / "signing-key.asc")
    assert r2repo("publish", "--store", team, "--dist", "t", *signing, deb).code == 0
    created = r2repo("token", "create", "--store", team, "--name", "t", "--prefix", "/")
    assert created.code == 0
    # The command says where its rules apply, as `access set` does.
    assert f"{team}/_r2repo/access.json apply where {team} is the served root" in created.err
    # ... and warns: the served root above is a repository whose server ignores these rules.
    assert f"warning: {served.store} is a repository root too" in created.err
    for path in ("/team/_r2repo/access.json", "/team/_R2REPO/access.json", "/team/_r2repo/"):
        assert served.get(path) == 404, path
        assert served.get(path, served.token) == 404, path


def test_range_positions_beyond_any_object(served: Served) -> None:
    assert served.get("/dists/stable/InRelease", Range="bytes=9007199254740993-") == 416
    status = served.get("/dists/stable/InRelease", Range="bytes=0-9999999999999999999")
    assert status == 206


def test_landing_page_urls_do_not_come_from_the_host_header(served: Served) -> None:
    status, headers, body = fetch(served.port, "/", headers={"Host": "evil.example"})
    assert status == 200
    assert b"evil.example" not in body
    assert f"127.0.0.1:{served.port}".encode() in body
    assert headers["cache-control"].startswith("public")


def test_wildcard_bind_keeps_host_built_pages_out_of_shared_caches(
    r2repo, tmp_path: Path, key_dir: Path
) -> None:
    store, _ = _setup(r2repo, tmp_path, key_dir)
    port = free_port()
    argv = [*serve_argv(store, port), "--host", "0.0.0.0"]
    process = start_server(argv, port)
    try:
        status, headers, body = fetch(port, "/", headers={"Host": "pkg.example:8080"})
        assert status == 200 and b"http://pkg.example:8080" in body
        assert headers["cache-control"].startswith("private"), headers
        status, _, body = fetch(port, "/", headers={"Host": "evil.example/<script>"})
        assert status == 200 and b"<script>" not in body
    finally:
        stop_server(process)
    public = free_port()
    argv = [*serve_argv(store, public), "--public-url", "https://pkg.example.com"]
    process = start_server(argv, public)
    try:
        status, headers, body = fetch(public, "/", headers={"Host": "evil.example"})
        assert b"https://pkg.example.com/" in body and b"evil.example" not in body
        assert headers["cache-control"].startswith("public")
    finally:
        stop_server(process)


@pytest.mark.slow
def test_an_s3_error_while_reading_the_rules_locks_everything(
    r2repo, tmp_path: Path, key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto = MotoS3()
    try:
        bucket = moto.bucket()
        for name, value in s3_env(moto).items():
            monkeypatch.setenv(name, value)
        store = f"s3://{bucket}"
        deb = build_deb(tmp_path, "sec-s3", "1.0", "all", "gzip")
        signing = ("--signing-key", key_dir / "signing-key.asc")
        assert r2repo("publish", "--store", store, "--dist", "stable", *signing, deb).code == 0
        assert r2repo("access", "set", "--store", store, "--private", "dists").code == 0
        port = free_port()
        process = start_server(serve_argv(store, port), port, env=s3_env(moto))
        try:
            assert fetch(port, "/dists/stable/InRelease")[0] == 401
            moto.faults["_r2repo/access.json"] = 403  # AccessDenied on the rules only
            time.sleep(ACCESS_TTL + 0.3)
            assert fetch(port, "/dists/stable/InRelease")[0] == 503
            assert fetch(port, "/key.asc")[0] == 503
            del moto.faults["_r2repo/access.json"]
            time.sleep(1.3)  # an unreadable state is kept one second at most
            assert fetch(port, "/key.asc")[0] == 200
            assert fetch(port, "/dists/stable/InRelease")[0] == 401
        finally:
            stop_server(process)
    finally:
        moto.stop()
