"""gc never deletes the publisher's state under `_r2repo/`, and never acts on a foreign store."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from publisher.stores import open_store
from tests.integration.test_token_cli import get
from tests.support.debs import build_deb
from tests.support.server import serving

THREE_DAYS = 72 * 3600
DEB = "pool/main/s/secret-app/secret-app_1.0_amd64.deb"


@pytest.mark.parametrize("kind", ["local", "s3"])
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
