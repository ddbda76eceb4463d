"""One real workerd for the runtime tests, serving a bucket that `r2repo publish` filled.

The store holds a public APT dist (`stable`), an RPM root (`rpm/`), and a private APT
repository under `private/` with its own dist (`internal`); tokens of every kind the auth table
needs. The whole store goes into wrangler's local R2 bucket before `wrangler dev` starts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.cli import main
from publisher.ops.access import create_token
from publisher.stores.local import LocalStore
from tests.support.debs import build_deb
from tests.support.rpms import build_rpm
from tests.support.server import fetch
from tests.support.workerd import RunningWorker, running_worker

NAME = "Example <Repo> & Co"  # escaped on every page
VARIABLES = {"REPO_NAME": NAME, "ENTRY_TTL": "60", "ACCESS_TTL": "1", "EDGE_CACHE": "true"}


@dataclass
class Deployment:
    worker: RunningWorker
    store: Path
    debs: dict[str, Path]
    rpms: dict[str, Path]
    tokens: dict[str, str]
    key_dir: Path

    @property
    def url(self) -> str:
        return self.worker.url

    def fetch(
        self, path: str, method: str = "GET", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        return fetch(int(self.url.rsplit(":", 1)[1]), path, method, headers)


def _cli(*args: str | Path) -> None:
    assert main([str(a) for a in args]) == 0, args


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory, key_dir: Path) -> Iterator[Deployment]:
    work = tmp_path_factory.mktemp("runtime")
    store = work / "store"
    signing = ["--signing-key", key_dir / "signing-key.asc"]
    debs = {
        "hello": build_deb(work, "rt-hello", "1.0-1", "amd64", "xz", payload="x" * 300_000),
        "common": build_deb(work, "rt-common", "0.5", "all", "gzip"),
        "secret": build_deb(work, "rt-secret", "2.0", "amd64", "xz"),
    }
    rpms = {"noarch": build_rpm(work, "rt-tool", "1.2", arch="noarch")}
    _cli("publish", "--store", store, "--dist", "stable", *signing, debs["hello"], debs["common"])
    _cli("publish", "--store", store, *signing, rpms["noarch"])
    _cli("publish", "--store", store / "private", "--dist", "internal", *signing, debs["secret"])
    _cli("access", "set", "--store", store, "--private", "private")
    local = LocalStore(store)
    now = time.time()
    tokens = {
        "ci": create_token(local, "ci", ["private"], None, now)[0],
        "elsewhere": create_token(local, "elsewhere", ["other"], None, now)[0],
        "expired": create_token(local, "expired", ["private"], now + 1, now - 60)[0],
        "revoked": create_token(local, "revoked", ["private"], None, now)[0],
    }
    _cli("token", "revoke", "--store", store, "revoked")
    time.sleep(max(0.0, now + 1.5 - time.time()))  # "expired" is now past its date
    persist = work / "persist"
    with running_worker(work / "build", persist, VARIABLES, store) as worker:
        deployment = Deployment(worker, store, debs, rpms, tokens, key_dir)
        status = deployment.fetch("/key.asc")[0]  # the first request loads Pyodide
        assert status == 200, worker.output()
        yield deployment
