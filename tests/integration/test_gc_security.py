"""gc never deletes the publisher's state under `_r2repo/`, and never acts on a foreign store."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from publisher.stores import open_store
from tests.conftest import tree_digest
from tests.integration.test_reprepro_parity import reprepro_repo
from tests.integration.test_token_cli import get
from tests.support.debs import build_deb
from tests.support.server import serving

THREE_DAYS = 72 * 3600
DEB = "pool/main/s/secret-app/secret-app_1.0_amd64.deb"


@pytest.mark.parametrize("kind", ["local", pytest.param("s3", marks=pytest.mark.slow)])
def test_gc_keeps_access_rules_tokens_and_unknown_state(
    kind, r2repo, moto_s3, key_dir, tmp_path: Path
) -> None:
    store_url = f"s3://{moto_s3.bucket()}" if kind == "s3" else str(tmp_path / "store")
    deb = build_deb(tmp_path, "secret-app", "1.0", "amd64")
    signing = ("--signing-key", key_dir / "signing-key.asc")
    assert r2repo("publish", "--store", store_url, "--dist", "stable", *signing, deb).code == 0
    assert r2repo("access", "set", "--store", store_url, "--private", "pool").code == 0
    created = r2repo("token", "create", "--store", store_url, "--name", "ci", "--prefix", "pool")
    assert created.code == 0, created
    token = created.out.strip()
    store = open_store(store_url)
    # State a later version may keep there, and an orphan gc record (still collectable).
    store.put_bytes("_r2repo/later-state.json", b"{}\n")
    orphan = "_r2repo/unreferenced/stable/" + "0" * 64 + ".json"
    store.put_bytes(orphan, b'{"format": 1, "unreferenced": {}}\n')
    state = {"_r2repo/access.json", "_r2repo/repository.json", "_r2repo/later-state.json"}
    assert state <= {info.key for info in store.list("_r2repo/")}
    later = str(time.time() + THREE_DAYS)

    dry = r2repo("gc", "--store", store_url, "--dry-run", "--now", later)
    assert dry.code == 0, dry
    listed = {line.split("\t")[1] for line in dry.out.splitlines()}
    assert listed == {orphan}  # everything else is referenced or state

    done = r2repo("gc", "--store", store_url, "--now", later)
    assert done.code == 0 and done.out == f"deleted\t{orphan}\n"
    assert state <= {info.key for info in store.list("_r2repo/")}
    assert r2repo("token", "list", "--store", store_url).out.startswith("ci\tpool")
    with serving(store_url) as url:
        assert get(url + DEB) == 401
        assert get(url + DEB, token) == 200


def test_commands_that_delete_refuse_a_foreign_apt_repository(
    r2repo, key_dir, tmp_path: Path
) -> None:
    """A reprepro tree has a signed dists/bookworm/InRelease but no marker: nothing may touch it."""
    deb = build_deb(tmp_path, "hello", "1.0", "amd64")
    repo = reprepro_repo(tmp_path, [deb], key_dir)
    assert (repo / "dists/bookworm/InRelease").is_file() and (repo / "pool").is_dir()
    before = tree_digest(repo)
    signing = ("--signing-key", key_dir / "signing-key.asc")
    later = str(time.time() + THREE_DAYS)
    for argv in (
        ("gc", "--grace", "0", "--now", later),
        ("gc", "--dry-run", "--grace", "0", "--now", later),
        ("remove", "--dist", "bookworm", *signing, "hello"),
        ("remove", "--rpm-path", "rpm", *signing, "hello"),
        ("publish", "--dist", "bookworm", *signing, deb),
        ("verify",),
    ):
        done = r2repo(*argv, "--store", repo)
        assert done.code == 1, (argv, done)
        assert len(done.err.strip().splitlines()) == 1, (argv, done.err)
        assert "not an r2repo repository" in done.err and "_r2repo/repository.json" in done.err
        assert done.out == ""
        assert tree_digest(repo) == before, argv
