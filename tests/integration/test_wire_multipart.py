"""Files of 64 MiB and more go multipart, as create-only as a single PUT (R2's rules)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from publisher.stores import PreconditionFailed, open_store
from publisher.stores.s3 import MULTIPART_THRESHOLD
from tests.support.link import S3Link
from tests.support.s3 import CREDENTIALS


@pytest.fixture(scope="module")
def link():
    server = S3Link(one_way=0.0)
    yield server
    server.stop()


@pytest.fixture
def store(link, monkeypatch):
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", link.endpoint)
    return open_store(f"s3://{link.bucket('large')}")


@pytest.mark.slow
def test_two_publishers_racing_on_one_large_key_one_wins_whole(store, link, tmp_path: Path):
    files = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.deb"
        path.write_bytes(os.urandom(MULTIPART_THRESHOLD + 1024))
        files.append(path)
    outcomes: dict[str, object] = {}

    def publish(path: Path) -> None:
        try:
            outcomes[path.name] = store.put_file("pool/big.deb", path, if_none_match=True)
        except PreconditionFailed as exc:
            outcomes[path.name] = exc

    threads = [threading.Thread(target=publish, args=(p,)) for p in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lost = [name for name, o in outcomes.items() if isinstance(o, PreconditionFailed)]
    assert len(lost) == 1, outcomes
    winner = next(p for p in files if p.name not in lost)
    assert store.get_bytes("pool/big.deb") == winner.read_bytes()
    # and a third writer is refused before it sends a byte
    link.proxy.reset()
    with pytest.raises(PreconditionFailed):
        store.put_file("pool/big.deb", files[0], if_none_match=True)
    assert [r.key for r in link.proxy.snapshot()] == ["pool/big.deb?uploads"]


def test_the_conditions_are_on_the_wire(store, link, tmp_path: Path):
    path = tmp_path / "c.rpm"
    path.write_bytes(os.urandom(MULTIPART_THRESHOLD))
    link.proxy.reset()
    store.put_file("Packages/c.rpm", path, if_none_match=True)
    records = link.proxy.snapshot()
    create = [r for r in records if r.key.endswith("?uploads")]
    complete = [r for r in records if r.method == "POST" and r.key.endswith("?uploadId")]
    assert [r.headers.get("if-none-match") for r in create + complete] == ["*", "*"]
    assert create[0].headers["content-type"] == "application/x-rpm"
    assert "content-encoding" not in create[0].headers
