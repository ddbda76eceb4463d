"""Garbage collection with an injected clock: nothing within the grace, exactly the rest after."""

from __future__ import annotations

import os
import time

import pytest
from debian.deb822 import Packages, Release

from publisher.apt.gcrecord import record_key
from publisher.apt.state import RECORD_FIELD
from publisher.stores import Store, open_store
from tests.support.apt import AptClient
from tests.support.debs import build_deb
from tests.support.server import serving

HOUR = 3600


def needed_by_clients(store: Store, dist: str) -> set[str]:
    """What the current InRelease names, worked out here from the published files."""
    prefix = f"dists/{dist}/"
    release = Release(store.get_bytes(prefix + "InRelease").decode())
    keep = {prefix + name for name in ("InRelease", "Release", "Release.gpg")}
    keep |= {"key.asc", "key.gpg", "_r2repo/repository.json"}
    keep |= {info.key for info in store.list(f"_r2repo/history/dists/{dist}/")}  # never collected
    keep.add(record_key(dist, release[RECORD_FIELD]))
    for field in ("MD5Sum", "SHA1", "SHA256", "SHA512"):
        column = "md5sum" if field == "MD5Sum" else field.lower()
        for entry in release[field]:
            directory = entry["name"].rsplit("/", 1)[0]
            keep.add(prefix + entry["name"])
            if field == "SHA512":  # the strongest listed: the by-hash copy apt fetches
                keep.add(f"{prefix}{directory}/by-hash/{field}/{entry[column]}")
            if field == "SHA256" and entry["name"].endswith("/Packages"):
                text = store.get_bytes(prefix + entry["name"]).decode()
                keep |= {p["Filename"] for p in Packages.iter_paragraphs(text, use_apt_pkg=False)}
    return keep


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["s3", "local"])
def test_gc_respects_the_grace_then_removes_exactly_the_unreferenced(
    kind, r2repo, moto_s3, key_dir, tmp_path
):
    store_url = f"s3://{moto_s3.bucket()}" if kind == "s3" else str(tmp_path / "store")
    common = (
        "--store",
        store_url,
        "--dist",
        "stable",
        "--signing-key",
        key_dir / "signing-key.asc",
    )
    for number in range(1, 5):
        debs = [build_deb(tmp_path, "gc-app", f"{number}.0", arch) for arch in ("amd64", "arm64")]
        assert r2repo("publish", *common, "--keep", "1", *debs).code == 0
    store = open_store(store_url)
    before = {info.key for info in store.list()}
    keep = needed_by_clients(store, "stable")
    assert keep <= before
    expected = before - keep
    assert any("gc-app_1.0_amd64.deb" in key for key in expected)
    assert any("/by-hash/" in key for key in expected)

    start = time.time()
    # The current state only: the grace alone decides (the last states: tests/.../test_history).
    gc = ("gc", "--store", store_url, "--keep-states", "1")
    young = r2repo(*gc, "--grace", "48h", "--now", str(start + 47 * HOUR))
    assert young.code == 0 and young.out == ""
    assert {info.key for info in store.list()} == before

    dry = r2repo(*gc, "--dry-run", "--now", str(start + 49 * HOUR))
    assert dry.code == 0
    assert {line.split("\t")[1] for line in dry.out.splitlines()} == expected
    assert {info.key for info in store.list()} == before

    done = r2repo(*gc, "--grace", "48h", "--now", str(start + 49 * HOUR))
    assert done.code == 0
    assert {line.split("\t")[1] for line in done.out.splitlines()} == expected
    assert {info.key for info in store.list()} == keep
    assert r2repo("verify", "--store", store_url, "--strict").code == 0
    with serving(store_url) as url:
        apt = AptClient(tmp_path / "apt")
        apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {url} stable main"])
        apt.update()
        assert apt.download("gc-app").name == "gc-app_4.0_amd64.deb"


def test_gc_counts_from_when_an_object_was_dropped_not_uploaded(r2repo, key_dir, tmp_path):
    """An old package dropped late is kept for the grace period after the drop."""
    store_url = str(tmp_path / "store")
    common = (
        "--store",
        store_url,
        "--dist",
        "stable",
        "--signing-key",
        key_dir / "signing-key.asc",
    )
    old = build_deb(tmp_path, "late", "1.0", "amd64")
    assert r2repo("publish", *common, old).code == 0
    uploaded = time.time()
    # The drop happens "now"; pretend gc runs 3 days after the upload but 1 hour after the drop.
    assert r2repo("remove", "--store", store_url, "--dist", "stable", "--signing-key",
                  key_dir / "signing-key.asc", "late").code == 0  # fmt: skip
    store = open_store(store_url)
    pool = "pool/main/l/late/late_1.0_amd64.deb"
    os.utime(tmp_path / "store" / pool, (uploaded - 72 * HOUR, uploaded - 72 * HOUR))
    gc = ("gc", "--store", store_url, "--keep-states", "1")  # the state before is not kept
    kept = r2repo(*gc, "--now", str(time.time() + HOUR))
    assert kept.code == 0 and pool not in kept.out and store.head(pool) is not None
    gone = r2repo(*gc, "--now", str(time.time() + 49 * HOUR))
    assert gone.code == 0 and f"deleted\t{pool}" in gone.out and store.head(pool) is None


def test_gc_rejects_a_bad_grace(r2repo, tmp_path):
    for grace, message in (("soon", "use a duration"), ("90d", "between 0 and 30 days")):
        done = r2repo("gc", "--store", tmp_path, "--grace", grace)
        assert done.code == 1 and message in done.err
