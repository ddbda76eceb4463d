"""Publishing to S3 (moto on 127.0.0.1): serve it, real apt-get, no re-uploads, bad stores."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.apt import AptClient
from tests.support.debs import build_deb
from tests.support.server import free_port, serving, wait_for_port


@pytest.fixture(scope="module")
def debs(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("s3debs")
    return {
        "hello": build_deb(work, "s3-hello", "1.0-1", "amd64"),
        "hello-arm": build_deb(work, "s3-hello", "1.0-1", "arm64"),
        "common": build_deb(work, "s3-common", "0.1", "all", "gzip"),
        "lib": build_deb(work, "libs3-one1", "2.0", "amd64", extra="Source: libs3-one\n"),
    }


@pytest.mark.slow
def test_publish_serve_and_apt_get_from_s3(r2repo, moto_s3, debs, key_dir, tmp_path):
    bucket = moto_s3.bucket()
    store = f"s3://{bucket}/apt"
    signing = ("--signing-key", key_dir / "signing-key.asc")
    done = r2repo("publish", "--store", store, "--dist", "stable", *signing, *debs.values())
    assert done.code == 0, done
    keys = moto_s3.keys(bucket)
    assert "apt/dists/stable/InRelease" in keys
    assert "apt/pool/main/s/s3-hello/s3-hello_1.0-1_amd64.deb" in keys
    assert not any(key.startswith("dists/") for key in keys)  # everything under the prefix
    head = moto_s3.client.head_object(Bucket=bucket, Key="apt/dists/stable/InRelease")
    assert head["CacheControl"].startswith("public, max-age=60")
    assert r2repo("verify", "--store", store).code == 0

    with serving(store) as url:
        apt = AptClient(tmp_path / "apt")
        apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {url} stable main"])
        first = apt.update()
        assert "/by-hash/SHA512/" in first.stdout + first.stderr
        apt.run("install", "--download-only", "-y", "--no-install-recommends", "s3-hello")
        fetched = sorted((tmp_path / "apt/var/cache/apt/archives").glob("*.deb"))
        assert [p.name for p in fetched] == ["s3-hello_1.0-1_amd64.deb"]
        assert fetched[0].read_bytes() == debs["hello"].read_bytes()
        assert apt.download("libs3-one1").read_bytes() == debs["lib"].read_bytes()


def test_second_publish_of_the_same_files_puts_nothing(r2repo, moto_s3, debs, key_dir):
    store = f"s3://{moto_s3.bucket()}"
    args = ("--store", store, "--dist", "stable", "--signing-key", key_dir / "signing-key.asc")
    assert r2repo("publish", *args, debs["hello"], debs["lib"]).code == 0
    mark = moto_s3.log.mark()
    again = r2repo("publish", *args, debs["hello"], debs["lib"])
    assert again.code == 0 and "nothing changed" in again.err
    assert moto_s3.log.since(mark, "PUT") == []
    # A new package: only its own pool file goes up, not the ones already there.
    mark = moto_s3.log.mark()
    assert r2repo("publish", *args, debs["hello"], debs["lib"], debs["common"]).code == 0
    pool_puts = [k for k in moto_s3.log.since(mark, "PUT") if "/pool/" in "/" + k]
    assert [k.rsplit("/", 1)[-1] for k in pool_puts] == ["s3-common_0.1_all.deb"]


def test_publish_into_a_missing_bucket(r2repo, moto_s3, debs, key_dir):
    done = r2repo(
        "publish", "--store", "s3://r2repo-no-such-bucket", "--dist", "stable",
        "--signing-key", key_dir / "signing-key.asc", debs["hello"],
    )  # fmt: skip
    assert done.code == 1
    assert "bucket 'r2repo-no-such-bucket' does not exist" in done.err
    assert len(done.err.strip().splitlines()) == 1


def test_publish_into_a_bucket_that_is_not_a_repository(r2repo, moto_s3, debs, key_dir):
    bucket = moto_s3.bucket()
    moto_s3.client.put_object(Bucket=bucket, Key="index.html", Body=b"<html>my site</html>")
    before = moto_s3.keys(bucket)
    done = r2repo(
        "publish", "--store", f"s3://{bucket}", "--dist", "stable",
        "--signing-key", key_dir / "signing-key.asc", debs["hello"],
    )  # fmt: skip
    assert done.code == 1 and "not an r2repo repository" in done.err
    assert moto_s3.keys(bucket).keys() == before.keys()
    for command in (("verify",), ("gc", "--grace", "0")):
        refused = r2repo(*command, "--store", f"s3://{bucket}")
        assert refused.code == 1 and "not an r2repo repository" in refused.err
    assert moto_s3.keys(bucket).keys() == before.keys()


@pytest.mark.slow  # starts a moto server and r2repo of its own
def test_wrong_credentials(tmp_path, debs, key_dir):
    """A moto server that checks credentials: unknown keys get one clear line, exit 1."""
    port = free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_for_port(port, 20)
        publish = subprocess.run(
            [
                sys.executable, "-m", "publisher", "publish", "--store", "s3://anything",
                "--endpoint-url", f"http://127.0.0.1:{port}", "--dist", "stable",
                "--signing-key", str(key_dir / "signing-key.asc"), str(debs["hello"]),
            ],
            env={**os.environ, "AWS_ACCESS_KEY_ID": "wrong", "AWS_SECRET_ACCESS_KEY": "wrong"},
            capture_output=True,
            text=True,
            timeout=120,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(10)
    assert publish.returncode == 1, publish.stderr
    assert "access denied" in publish.stderr and "credentials" in publish.stderr
    assert len(publish.stderr.strip().splitlines()) == 1


def test_r2_account_id_gives_the_r2_endpoint():
    from publisher.stores.open import StoreLocation, open_store

    store = open_store(StoreLocation("s3://bucket/p", r2_account_id="abc123"))
    assert store.client.meta.endpoint_url == "https://abc123.r2.cloudflarestorage.com"
    assert store.client.meta.region_name == "auto"
    assert store.prefix == "p/"


def test_objects_carry_the_headers_routes_sends_and_no_content_encoding(
    r2repo, moto_s3, debs, key_dir
):
    """R2 would decompress a .gz stored with Content-Encoding: gzip for some clients (apt then
    fails its hash check); and an object's own Content-Type / Cache-Control are what an R2
    public bucket or a CDN in front of it sends, so they must be what the Worker would send."""
    from routes.content import cache_control_for, content_type_for

    bucket = moto_s3.bucket()
    store = f"s3://{bucket}/apt"
    signing = ("--signing-key", key_dir / "signing-key.asc")
    assert (
        r2repo("publish", "--store", store, "--dist", "stable", *signing, debs["hello"]).code == 0
    )
    keys = sorted(key.removeprefix("apt/") for key in moto_s3.keys(bucket))
    by_hash_gz = next(k for k in keys if "/by-hash/SHA512/" in k)
    checked = [
        "dists/stable/main/binary-amd64/Packages.gz",
        "dists/stable/main/binary-amd64/Packages.xz",
        "dists/stable/main/binary-amd64/Packages",
        by_hash_gz,
        "pool/main/s/s3-hello/s3-hello_1.0-1_amd64.deb",
        "dists/stable/InRelease",
        "dists/stable/Release.gpg",
        "key.asc",
        "key.gpg",
    ]
    for key in checked:
        head = moto_s3.client.head_object(Bucket=bucket, Key="apt/" + key)
        assert "ContentEncoding" not in head, key
        assert head["ContentType"] == content_type_for(key), key
        assert head["CacheControl"] == cache_control_for(key), key
    gz = moto_s3.client.head_object(Bucket=bucket, Key="apt/" + checked[0])
    assert gz["ContentType"] == "application/gzip"
    assert (
        "immutable"
        in moto_s3.client.head_object(Bucket=bucket, Key="apt/" + by_hash_gz)["CacheControl"]
    )
