"""The requests of an add-1 publish to S3, counted on the wire (bench/latency.py's proxy).

Every planning object is read once, in parallel batches, and a new object is created with a
create-only PUT that asks no HEAD first (issue 17: the request list in docs/benchmarks.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from tests.support.debs import build_deb
from tests.support.link import S3Link
from tests.support.rpms import build_rpm
from tests.support.s3 import CREDENTIALS


@pytest.fixture(scope="module")
def link() -> Iterator[S3Link]:
    server = S3Link(one_way=0.0)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def env(link: S3Link, monkeypatch: pytest.MonkeyPatch) -> S3Link:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", link.endpoint)
    return link


def reads(link: S3Link) -> Counter[str]:
    """How often each key was read (GET or HEAD) by the last command."""
    return Counter(r.key for r in link.proxy.snapshot() if r.method in ("GET", "HEAD"))


@pytest.mark.parametrize("kind", ["deb", "rpm"])
def test_add_one_reads_each_planning_object_once(r2repo, env, key_dir, tmp_path, kind) -> None:
    link = env
    bucket = link.bucket("requests")
    store = f"s3://{bucket}"
    args = ["publish", "--store", store, "--signing-key", str(key_dir / "signing-key.asc")]
    if kind == "deb":
        args += ["--dist", "stable"]
        base = [build_deb(tmp_path, "req-one", "1.0-1", "amd64")]
        extra = build_deb(tmp_path, "req-two", "1.0-1", "amd64")
        anchor = "dists/stable/InRelease"
    else:
        args += ["--base-url", "http://example.invalid/"]
        base = [build_rpm(tmp_path, "req-one", "1.0", "1", "x86_64")]
        extra = build_rpm(tmp_path, "req-two", "1.0", "1", "x86_64")
        anchor = "rpm/repodata/repomd.xml"
    assert r2repo(*args, *base).code == 0
    link.proxy.reset()
    done = r2repo(*args, extra)
    assert done.code == 0, done
    records = link.proxy.snapshot()
    counted = reads(link)
    assert counted, "nothing counted: the publish did not go through the proxy"
    twice = {key: n for key, n in counted.items() if n > 1}
    assert not twice, twice  # the marker, key files, anchor, indexes, gc record: once each
    # The anchor is read with its ETag in one GET, not a HEAD and then a GET.
    assert [r.method for r in records if r.key == anchor] == ["GET", "PUT"]
    # The new package: a create-only PUT, no HEAD before it.
    new = [r for r in records if "req-two" in r.key and r.key.endswith(extra.suffix)]
    assert [(r.method, r.headers.get("if-none-match")) for r in new] == [("PUT", "*")]
    # Nothing the publish wrote was read back before being written (no HEAD before a new name).
    written = {r.key for r in records if r.method == "PUT"}
    heads_of_new = [r.key for r in records if r.method == "HEAD" and r.key in written]
    assert not [k for k in heads_of_new if "by-hash" in k or "repodata/" in k], heads_of_new


def test_warm_opens_the_connections_the_next_requests_use(env) -> None:
    """A publish opens its connections while the link is idle (store.warm): the requests that
    follow reuse them instead of paying a round trip (two with TLS) to open their own."""
    import time

    from publisher.core.uploads import heads
    from publisher.stores.s3 import S3Store

    link = env
    store = S3Store(f"s3://{link.bucket('warm')}", endpoint_url=link.endpoint)
    before = link.proxy.connections
    store.warm(5)
    deadline = time.monotonic() + 10
    while link.proxy.connections < before + 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert link.proxy.connections == before + 5
    link.proxy.reset()
    assert heads(store, [f"absent-{n}" for n in range(5)]) == [None] * 5
    assert len(link.proxy.snapshot()) == 5
    assert link.proxy.connections == before + 5  # no request opened a connection of its own
    store.warm(5)  # the five are open and idle: nothing more to open
    time.sleep(0.2)
    assert link.proxy.connections == before + 5
