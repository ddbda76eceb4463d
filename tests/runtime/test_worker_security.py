"""The Worker in workerd keeps private paths private whatever goes wrong with the rules or the
request: other spellings of a private prefix, a nested repository's state, rules that cannot be
read, positions past what a JavaScript number holds. `r2repo serve`'s counterparts are in
tests/integration/test_serve_access_security.py.
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

from publisher.cli import main
from publisher.ops.access import create_token
from publisher.stores.local import LocalStore
from tests.support.debs import build_deb
from tests.support.server import fetch
from tests.support.workerd import RunningWorker, running_worker

VARIABLES = {"ACCESS_TTL": "1", "EDGE_CACHE": "true"}
KELVIN = "%E2%84%AA"  # U+212A KELVIN SIGN, which NFC (and R2) turn into "K"


@dataclass
class Guarded:
    worker: RunningWorker
    store: Path
    token: str
    work: Path

    def get(self, path: str, token: str | None = None, **headers: str) -> int:
        if token is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(f"u:{token}".encode()).decode()
        return fetch(int(self.worker.url.rsplit(":", 1)[1]), path, headers=headers)[0]

    def put_rules(self, text: str) -> None:
        path = self.work / "access.json"
        path.write_text(text)
        self.worker.put("_r2repo/access.json", path)
        time.sleep(1.2)  # ACCESS_TTL


def _cli(*args: str | Path) -> None:
    assert main([str(a) for a in args]) == 0, args


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, key_dir: Path) -> Iterator[Guarded]:
    work = tmp_path_factory.mktemp("worker-security")
    store = work / "store"
    signing = ["--signing-key", key_dir / "signing-key.asc"]
    deb = build_deb(work, "ws-pub", "1.0", "all", "gzip")
    _cli("publish", "--store", store, "--dist", "stable", *signing, deb)
    for folder in ("Kernel", "\u00e9quipe"):
        (store / folder).mkdir()
        shutil.copy(deb, store / folder / "x.deb")
        _cli("access", "set", "--store", store, "--private", folder)
    # A repository in a sub-folder with rules and tokens of its own.
    _cli("publish", "--store", store / "team", "--dist", "t", *signing, deb)
    _cli("token", "create", "--store", store / "team", "--name", "t", "--prefix", "/")
    token = create_token(LocalStore(store), "ci", ["/"], None, time.time())[0]
    persist = work / "persist"
    with running_worker(work / "build", persist, VARIABLES, store) as worker:
        guarded = Guarded(worker, store, token, work)
        assert guarded.get("/key.asc") == 200, worker.output()  # Pyodide loaded
        yield guarded


def test_other_spellings_of_a_private_prefix_are_private(guarded: Guarded) -> None:
    for path in (f"/{KELVIN}ernel/x.deb", "/e%CC%81quipe/x.deb", "/KERNEL/x.deb", "/kernel/"):
        assert guarded.get(path) == 401, path
    # They name the objects R2 stores under the NFC key: a token reads them.
    assert guarded.get(f"/{KELVIN}ernel/x.deb", guarded.token) == 200
    assert guarded.get("/e%CC%81quipe/x.deb", guarded.token) == 200


def test_a_nested_repository_keeps_its_state_private(guarded: Guarded) -> None:
    for path in ("/team/_r2repo/access.json", "/team/_R2REPO/access.json", "/team/_r2repo/"):
        assert guarded.get(path) == 404, path
        assert guarded.get(path, guarded.token) == 404, path


@pytest.mark.parametrize(
    ("range_", "expected"),
    [
        ("bytes=9007199254740993-", 416),  # past 2^53: no object is that large
        ("bytes=99999999999999999-99999999999999999", 416),
        ("bytes=0-9999999999999999999", 206),  # an end past 2^53: to the end
        ("bytes=-9999999999999999999", 206),  # a suffix longer than any object: all of it
    ],
)
def test_range_positions_beyond_javascript_numbers(
    guarded: Guarded, range_: str, expected: int
) -> None:
    assert guarded.get("/dists/stable/InRelease", Range=range_) == expected


def test_rules_that_cannot_be_read_exactly_lock_everything(guarded: Guarded) -> None:
    original = (guarded.store / "_r2repo/access.json").read_text()
    document = json.loads(original)
    try:
        loose = {**document, "rules": [{"prefix": "Kernel", "access": "Private"}]}
        for text in (json.dumps(loose), "{not json"):
            guarded.put_rules(text)
            assert guarded.get("/Kernel/x.deb") == 503, text
            assert guarded.get("/dists/stable/InRelease") == 503, text
            assert guarded.get("/Kernel/x.deb", guarded.token) == 503, text
        guarded.worker.delete("_r2repo/access.json")  # _r2repo/access-required stays
        time.sleep(1.2)
        assert guarded.get("/Kernel/x.deb") == 503
        assert guarded.get("/") == 503
    finally:
        guarded.put_rules(original)
    assert guarded.get("/Kernel/x.deb") == 401
    assert guarded.get("/Kernel/x.deb", guarded.token) == 200
    assert "refused (503)" in guarded.worker.output()
