"""Publishing through a link that fails the way R2 and the internet do (bench/latency.py).

For .debs and .rpms, on a fresh and on an existing repository, under each fault and under a
random mix over 10% of the requests: the publish succeeds (retries shown on its progress
output) or fails with one clear line naming what failed after how many tries; `r2repo verify`
passes either way; a second run completes the publish; apt-get and dnf then read a consistent
repository.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.apt import AptClient
from tests.support.debs import build_deb
from tests.support.link import Faults, Rule, S3Link
from tests.support.rpmclients import DnfClient
from tests.support.rpms import build_rpm
from tests.support.s3 import CREDENTIALS
from tests.support.server import free_port, start_server, stop_server

pytestmark = pytest.mark.slow  # every fault waits out the engine's retries and backoff

READ_TIMEOUT = 0.5  # seconds: the client gives up on a stalled answer after this
ANCHORS = r"(InRelease|repomd\.xml)$"

FAULTS: dict[str, Faults] = {
    "429": Faults(rules=[Rule("429", method="PUT", times=2)], retry_after=1),
    "500": Faults(rules=[Rule("500", times=2)]),
    "503": Faults(rules=[Rule("503", method="GET", times=1), Rule("503", method="PUT")]),
    "reset": Faults(rules=[Rule("reset", method="PUT", times=2)]),
    "stall": Faults(rules=[Rule("stall", method="PUT", times=1)], stall=READ_TIMEOUT * 3),
    "412": Faults(rules=[Rule("412", key=ANCHORS, times=2)]),
    "mix": Faults(mix=0.1, seed=17, retry_after=0.2, stall=READ_TIMEOUT * 3),
}


def fresh(faults: Faults) -> Faults:
    """A new copy: rules count what they fired."""
    rules = [Rule(r.kind, r.method, r.key, r.times, r.skip) for r in faults.rules]
    return Faults(rules, faults.mix, faults.seed, faults.retry_after, faults.stall, faults.kinds)


@pytest.fixture(scope="module")
def link() -> Iterator[S3Link]:
    server = S3Link(one_way=0.002)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def bucket(link: S3Link) -> str:
    return link.bucket("faults")


@pytest.fixture(scope="module")
def served(link: S3Link, bucket: str) -> Iterator[str]:
    """`r2repo serve` of the whole bucket, reading moto directly (no faults on the way)."""
    port = free_port()
    env = {**CREDENTIALS, "AWS_ENDPOINT_URL": link.direct}
    argv = ["python3", "-m", "publisher", "serve", "--store", f"s3://{bucket}"]
    proc = start_server([*argv, "--port", str(port)], port, env=env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    work = tmp_path_factory.mktemp("wire-packages")
    return {
        "deb": [
            build_deb(work, "wire-one", "1.0-1", "amd64"),
            build_deb(work, "wire-all", "2.0", "all", "gzip"),
            build_deb(work, "wire-two", "1.0-1", "amd64"),
        ],
        "rpm": [
            build_rpm(work, "wire-one", "1.0", "1", "x86_64"),
            build_rpm(work, "wire-all", "2.0", "1", "noarch"),
            build_rpm(work, "wire-two", "1.0", "1", "x86_64"),
        ],
    }


@pytest.fixture
def through_link(link: S3Link, monkeypatch: pytest.MonkeyPatch) -> S3Link:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", link.endpoint)
    monkeypatch.setenv("R2REPO_S3_READ_TIMEOUT", str(READ_TIMEOUT))
    monkeypatch.setenv("R2REPO_S3_BACKOFF", "0.05")  # the first retry's base wait, in seconds
    monkeypatch.delenv("NO_COLOR", raising=False)
    return link


@contextlib.contextmanager
def injected(link: S3Link, faults: Faults) -> Iterator[Faults]:
    link.proxy.reset()
    with link.proxy.faulty(fresh(faults)) as active:
        yield active


def check_outcome(done, link: S3Link) -> bool:  # type: ignore[no-untyped-def]
    """Success, or one clear line; True when it succeeded."""
    fired = [r for r in link.proxy.snapshot() if r.fault]
    assert fired, "the fault never fired: the test proves nothing"
    assert "Traceback" not in done.err, done.err
    if done.code == 0:
        assert "retry" in done.err, done.err  # retries show on the progress output
        return True
    lines = [line for line in done.err.splitlines() if line.startswith("error:")]
    assert done.code == 1 and len(lines) == 1, done
    assert "tries" in lines[0] or "attempts" in lines[0] or "times" in lines[0], lines[0]
    return False


def publish_args(kind: str, store: str, key_dir: Path, served: str, prefix: str) -> list[str]:
    args = ["publish", "--store", store, "--signing-key", str(key_dir / "signing-key.asc")]
    if kind == "deb":
        return [*args, "--dist", "stable"]
    return [*args, "--base-url", f"{served}/{prefix}"]


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("kind", ["deb", "rpm"])
def test_publish_survives_or_fails_cleanly(
    r2repo, through_link, bucket, served, packages, key_dir, tmp_path, kind, fault
) -> None:
    link = through_link
    prefix = f"{kind}-{fault}"
    store = f"s3://{bucket}/{prefix}"
    args = publish_args(kind, store, key_dir, served, prefix)
    first, second = packages[kind][:2], packages[kind][2:]
    for inputs in (first, second):  # a fresh repository, then an existing one
        with injected(link, FAULTS[fault]):
            done = r2repo(*args, *inputs)
        check_outcome(done, link)
        assert r2repo("verify", "--store", store).code == 0
        again = r2repo(*args, *inputs)  # a second run completes the publish
        assert again.code == 0, again
        assert r2repo("verify", "--store", store).code == 0
    wanted = ["wire-all", "wire-one", "wire-two"]
    if kind == "deb":
        apt = AptClient(tmp_path / "apt")
        apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {served}/{prefix} stable main"])
        apt.update()
        for name in wanted:
            assert apt.download(name).stat().st_size > 0
    else:
        dnf = DnfClient(tmp_path / "root")
        dnf.add_repo_file(link.client.get_object(Bucket=bucket, Key=f"{prefix}/rpm/r2repo.repo")[
            "Body"].read().decode())  # fmt: skip
        dnf.dnf("install", *wanted)
        assert dnf.installed() == [
            "wire-all-2.0-1.noarch", "wire-one-1.0-1.x86_64", "wire-two-1.0-1.x86_64"
        ]  # fmt: skip


def test_a_fault_that_persists_fails_with_one_line_and_leaves_the_repository(
    r2repo, through_link, bucket, served, packages, key_dir
) -> None:
    link = through_link
    store = f"s3://{bucket}/deb-persistent"
    args = publish_args("deb", store, key_dir, served, "deb-persistent")
    assert r2repo(*args, packages["deb"][0]).code == 0
    before = link.client.get_object(Bucket=bucket, Key="deb-persistent/dists/stable/InRelease")
    with injected(link, Faults(rules=[Rule("503", method="PUT", key=r"\.deb$", times=0)])):
        done = r2repo(*args, packages["deb"][2])
    assert done.code == 1, done
    lines = [line for line in done.err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, done.err
    assert "wire-two" in lines[0] and "503" in lines[0], lines[0]
    tries = int(lines[0].split(" tries")[0].rsplit(" ", 1)[1])
    assert tries == len([r for r in link.proxy.snapshot() if r.fault]) >= 3
    after = link.client.get_object(Bucket=bucket, Key="deb-persistent/dists/stable/InRelease")
    assert after["ETag"] == before["ETag"]
    assert r2repo("verify", "--store", store).code == 0
    assert r2repo(*args, packages["deb"][2]).code == 0


def test_retry_after_is_honoured(r2repo, through_link, bucket, served, packages, key_dir) -> None:
    link = through_link
    store = f"s3://{bucket}/deb-retry-after"
    args = publish_args("deb", store, key_dir, served, "deb-retry-after")
    rule = Rule("429", method="PUT", key=r"\.deb$", times=1)
    with injected(link, Faults(rules=[rule], retry_after=1)):
        done = r2repo(*args, packages["deb"][0])
    assert done.code == 0, done
    puts = [r for r in link.proxy.snapshot() if r.method == "PUT" and r.key.endswith(".deb")]
    assert [r.fault for r in puts] == ["429", ""]
    assert puts[1].start - puts[0].end >= 0.95  # waited what Retry-After said, not the backoff
    assert os.environ["R2REPO_S3_BACKOFF"] == "0.05"
