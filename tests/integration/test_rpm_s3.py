"""RPM roots on S3 (moto on 127.0.0.1): real dnf installs, no re-uploads, crashes, gc, verify."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import createrepo_c as cr
import pytest

from publisher.stores import Store, open_store
from publisher.yum.gcrecord import ENTRY_NAMES
from tests.support.faultstore import stop_publish
from tests.support.rpmclients import DnfClient
from tests.support.rpms import build_rpm
from tests.support.server import free_port, serving

pytestmark = pytest.mark.slow  # real dnf over S3; publishes stopped at every write

HOUR = 3600


def repo_text(store: Store) -> str:
    return store.get_bytes("rpm/r2repo.repo").decode()


def needed_by_clients(store: Store, root: str = "rpm") -> set[str]:
    """What the current repomd.xml names, worked out here with createrepo_c from the store."""
    keep = {f"{root}/{name}" for name in ENTRY_NAMES}
    with tempfile.TemporaryDirectory() as work:
        repomd_path = Path(work) / "repomd.xml"
        repomd_path.write_bytes(store.get_bytes(f"{root}/repodata/repomd.xml"))
        paths: dict[str, str] = {}
        for record in cr.Repomd(str(repomd_path)).records:
            keep.add(f"{root}/{record.location_href}")
            local = Path(work) / Path(record.location_href).name
            local.write_bytes(store.get_bytes(f"{root}/{record.location_href}"))
            paths[record.type] = str(local)
        for package in cr.PackageIterator(paths["primary"], paths["filelists"], paths["other"]):
            keep.add(f"{root}/{package.location_href}")
    return keep


def publish_args(kind, moto_s3, key_dir, tmp_path) -> tuple[str, int, tuple]:  # type: ignore[no-untyped-def]
    """A store of `kind`, the port `r2repo serve` will use, and the publish options for both."""
    store_url = f"s3://{moto_s3.bucket()}" if kind == "s3" else str(tmp_path / "store")
    port = free_port()
    common = (
        "--store", store_url, "--signing-key", key_dir / "signing-key.asc",
        "--base-url", f"http://127.0.0.1:{port}",
    )  # fmt: skip
    return store_url, port, common


def managed(store: Store, root: str = "rpm") -> set[str]:
    return {i.key for d in ("repodata/", "Packages/") for i in store.list(f"{root}/{d}")}


def test_publish_signed_rpms_to_s3_serve_and_dnf_install(r2repo, moto_s3, key_dir, tmp_path):
    store_url = f"s3://{moto_s3.bucket()}"
    port = free_port()
    rpms = [
        build_rpm(tmp_path, "s3-rpm", "1.0", "1", "x86_64", requires=("s3-dep",)),
        build_rpm(tmp_path, "s3-dep", "0.5", "2", "noarch"),
    ]
    done = r2repo(
        "publish", "--store", store_url, "--signing-key", key_dir / "signing-key.asc",
        "--sign-packages", "--base-url", f"http://127.0.0.1:{port}", *rpms,
    )  # fmt: skip
    assert done.code == 0, done
    assert r2repo("verify", "--store", store_url, "--strict").code == 0
    store = open_store(store_url)
    assert "gpgcheck=1" in repo_text(store).splitlines()
    with serving(store_url, port):
        dnf = DnfClient(tmp_path / "root")
        dnf.add_repo_file(repo_text(store))
        dnf.dnf("install", "s3-rpm")
        assert dnf.installed() == ["s3-dep-0.5-2.noarch", "s3-rpm-1.0-1.x86_64"]
        assert (tmp_path / "root/usr/share/s3-rpm/README").read_text() == "s3-rpm 1.0\n"


def test_second_publish_of_the_same_rpm_puts_nothing(r2repo, moto_s3, key_dir, tmp_path):
    store_url = f"s3://{moto_s3.bucket()}"
    args = ("--store", store_url, "--signing-key", key_dir / "signing-key.asc")
    first = build_rpm(tmp_path, "again-a", "1.0")
    assert r2repo("publish", *args, first).code == 0
    mark = moto_s3.log.mark()
    again = r2repo("publish", *args, first)
    assert again.code == 0 and "nothing changed" in again.err
    assert moto_s3.log.since(mark, "PUT") == []
    mark = moto_s3.log.mark()
    second = build_rpm(tmp_path, "again-b", "1.0")
    assert r2repo("publish", *args, first, second).code == 0
    package_puts = [k for k in moto_s3.log.since(mark, "PUT") if k.endswith(".rpm")]
    assert [k.rsplit("/", 1)[-1] for k in package_puts] == [second.name]


def test_verify_checks_packages_and_repodata(r2repo, moto_s3, key_dir, tmp_path):
    bucket = moto_s3.bucket()
    store_url = f"s3://{bucket}"
    args = ("--store", store_url, "--signing-key", key_dir / "signing-key.asc")
    assert r2repo("publish", *args, build_rpm(tmp_path, "checked", "1.0")).code == 0
    store = open_store(store_url)
    old_signature = store.get_bytes("rpm/repodata/repomd.xml.asc")
    assert r2repo("publish", *args, build_rpm(tmp_path, "checked", "2.0")).code == 0
    assert r2repo("verify", "--store", store_url, "--strict").code == 0
    moto_s3.client.put_object(Bucket=bucket, Key="rpm/repodata/repomd.xml.asc", Body=old_signature)
    current = needed_by_clients(store)
    other = next(k for k in current if k.endswith("-other.xml.gz"))
    rpm_key = next(k for k in current if k.endswith(".rpm"))
    moto_s3.client.put_object(Bucket=bucket, Key=rpm_key, Body=store.get_bytes(rpm_key) + b"x")
    done = r2repo("verify", "--store", store_url)
    assert done.code == 1
    assert "rpm/repodata/repomd.xml.asc: bad signature of repomd.xml" in done.out
    assert f"{rpm_key}: " in done.out and "rpm primary says" in done.out
    moto_s3.client.delete_object(Bucket=bucket, Key=other)
    done = r2repo("verify", "--store", store_url)
    assert done.code == 1 and f"{other}: missing" in done.out


@pytest.mark.parametrize("kind", ["s3", "local"])
def test_killed_rpm_publishes_leave_a_valid_root(kind, r2repo, moto_s3, key_dir, tmp_path):
    store_url, port, common = publish_args(kind, moto_s3, key_dir, tmp_path)

    def round_rpms(n: int) -> list[Path]:
        return [
            build_rpm(tmp_path, "crash-a", f"{n}.0", "1", "x86_64"),
            build_rpm(tmp_path, "crash-b", f"{n}.0", "1", "noarch"),
        ]

    assert r2repo("publish", *common, *round_rpms(0)).code == 0
    probe = r2repo("publish", *common, *round_rpms(1))
    assert probe.code == 0
    writes = [line for line in probe.err.splitlines() if line.startswith("r2repo: put ")]
    total = len(writes)
    assert writes[-2].startswith("r2repo: put rpm/repodata/repomd.xml ")
    assert writes[-1].startswith("r2repo: put rpm/repodata/repomd.xml.asc ")
    store = open_store(store_url)
    with serving(store_url, port):
        dnf = DnfClient(tmp_path / "root")
        dnf.add_repo_file(repo_text(store))
        dnf.dnf("makecache", "--refresh")
        # Real SIGKILLs after the first write, in the middle, and between repomd.xml and its
        # signature; the other points stop an in-process publish (tests/support/faultstore.py).
        killed = {1, total // 2, total - 1}
        assert len(killed) == 3
        for number, point in enumerate(range(1, total), start=2):
            rpms = round_rpms(number)
            stop_publish(r2repo, point, (*common, *rpms), kill=point in killed)
            checked = r2repo("verify", "--store", store_url)
            if point == total - 1:
                # Killed between repomd.xml and its signature: the one window two objects leave
                # (docs/design.md). verify says so; dnf refuses until the next publish signs.
                assert checked.code == 1 and "repomd.xml.asc: bad signature" in checked.out
                assert dnf.dnf("makecache", "--refresh", check=False).returncode != 0
            else:
                assert checked.code == 0, (point, checked)
                dnf.dnf("makecache", "--refresh")
            finished = r2repo("publish", *common, *rpms)
            assert finished.code == 0, (point, finished)
            assert r2repo("verify", "--store", store_url, "--strict").code == 0, point
            dnf.dnf("makecache", "--refresh")
            listed = r2repo("list", "--store", store_url).out
            assert f"crash-a\t{number}.0-1\tx86_64" in listed, listed
            assert f"crash-b\t{number}.0-1\tnoarch" in listed, listed
        info = dnf.dnf("repoquery", "--latest-limit", "1", "crash-a").stdout
        assert f"crash-a-0:{total}.0-1.x86_64" in info


@pytest.mark.parametrize("kind", ["s3", "local"])
def test_gc_on_an_rpm_root_with_keep_1(kind, r2repo, moto_s3, key_dir, tmp_path):
    store_url, port, common = publish_args(kind, moto_s3, key_dir, tmp_path)
    for number in range(1, 5):
        rpms = [build_rpm(tmp_path, f"gc-{arch}", f"{number}.0", "1", arch)
                for arch in ("x86_64", "noarch")]  # fmt: skip
        assert r2repo("publish", *common, "--keep", "1", *rpms).code == 0
    store = open_store(store_url)
    before = {info.key for info in store.list()}
    keep = needed_by_clients(store)
    assert keep <= before
    expected = {k for k in managed(store) - keep if not k.endswith("-r2repo-history.json")}
    assert any(k.endswith("gc-x86_64-1.0-1.x86_64.rpm") for k in expected)
    assert any(k.endswith("-primary.xml.gz") for k in expected)
    assert any(k.endswith("-r2repo-unreferenced.json") for k in expected)

    start = time.time()
    gc = ("gc", "--store", store_url, "--keep-states", "1")  # the grace alone decides
    young = r2repo(*gc, "--grace", "48h", "--now", str(start + 47 * HOUR))
    assert young.code == 0 and young.out == ""
    assert {info.key for info in store.list()} == before

    done = r2repo(*gc, "--grace", "48h", "--now", str(start + 49 * HOUR))
    assert done.code == 0
    assert {line.split("\t")[1] for line in done.out.splitlines()} == expected
    assert {info.key for info in store.list()} == before - expected
    assert r2repo("verify", "--store", store_url, "--strict").code == 0
    with serving(store_url, port):
        dnf = DnfClient(tmp_path / "root")
        dnf.add_repo_file(repo_text(store))
        dnf.dnf("install", "gc-x86_64", "gc-noarch")
        assert dnf.installed() == ["gc-noarch-4.0-1.noarch", "gc-x86_64-4.0-1.x86_64"]
