"""Publishers racing on one dist and one RPM root; apt-get and dnf while publishes run."""

from __future__ import annotations

import threading

import pytest

from publisher.stores import open_store
from tests.support.apt import AptClient
from tests.support.debs import build_deb
from tests.support.publishers import finish, start_r2repo
from tests.support.rpmclients import DnfClient
from tests.support.rpms import build_rpm
from tests.support.server import free_port, serving

pytestmark = pytest.mark.slow  # dozens of publisher processes racing, clients refreshing meanwhile

PUBLISHERS = 8


@pytest.mark.parametrize(("kind", "rounds"), [("s3", 5), ("local", 2)])
def test_concurrent_publishers_all_land(kind, rounds, r2repo, moto_s3, key_dir, tmp_path):
    store = f"s3://{moto_s3.bucket()}" if kind == "s3" else str(tmp_path / "store")
    signing = ("--signing-key", key_dir / "signing-key.asc")
    for number in range(1, rounds + 1):
        debs = [build_deb(tmp_path, f"race-{i}", f"{number}.0", "amd64") for i in range(PUBLISHERS)]
        procs = [
            start_r2repo("publish", "--store", store, "--dist", "stable", *signing, deb)
            for deb in debs
        ]
        for code, err in finish(procs):
            assert code == 0, err
        listed = r2repo("list", "--store", store, "--dist", "stable").out
        for i in range(PUBLISHERS):
            for version in range(1, number + 1):
                assert f"race-{i}\t{version}.0\tamd64" in listed, (number, listed)
        checked = r2repo("verify", "--store", store, "--strict")
        assert checked.code == 0, checked


def test_apt_get_update_while_30_publishes_run(r2repo, moto_s3, key_dir, tmp_path):
    store = f"s3://{moto_s3.bucket()}"
    common = ("--store", store, "--dist", "stable", "--signing-key", key_dir / "signing-key.asc")
    assert r2repo("publish", *common, build_deb(tmp_path, "busy", "0.0", "amd64")).code == 0
    failures: list[str] = []
    updates = 0
    stop = threading.Event()
    with serving(store) as url:
        apt = AptClient(tmp_path / "apt")
        apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {url} stable main"])

        def loop() -> None:
            nonlocal updates
            while not stop.is_set():
                try:
                    apt.update()
                except AssertionError as exc:
                    failures.append(str(exc))
                updates += 1

        client = threading.Thread(target=loop)
        client.start()
        try:
            for number in range(1, 31):
                deb = build_deb(tmp_path, "busy", f"{number}.0", "amd64")
                assert r2repo("publish", *common, "--keep", "3", deb).code == 0
        finally:
            stop.set()
            client.join(120)
        assert failures == []
        assert updates >= 10, updates
        apt.update()
        assert "Candidate: 30.0" in apt.policy("busy")


def test_concurrent_rpm_publishers_all_land(r2repo, moto_s3, key_dir, tmp_path):
    store = f"s3://{moto_s3.bucket()}"
    signing = ("--signing-key", key_dir / "signing-key.asc")
    for number in range(1, 6):
        rpms = [build_rpm(tmp_path, f"race-{i}", f"{number}.0") for i in range(PUBLISHERS)]
        procs = [start_r2repo("publish", "--store", store, *signing, rpm) for rpm in rpms]
        for code, err in finish(procs):
            assert code == 0, err
        listed = r2repo("list", "--store", store).out
        for i in range(PUBLISHERS):
            for version in range(1, number + 1):
                assert f"rpm\trpm\trace-{i}\t{version}.0-1\tnoarch" in listed, (number, listed)
        checked = r2repo("verify", "--store", store, "--strict")
        assert checked.code == 0, checked


def test_dnf_makecache_while_30_publishes_run(r2repo, moto_s3, key_dir, tmp_path):
    store = f"s3://{moto_s3.bucket()}"
    port = free_port()
    common = (
        "--store", store, "--signing-key", key_dir / "signing-key.asc",
        "--base-url", f"http://127.0.0.1:{port}",
    )  # fmt: skip
    assert r2repo("publish", *common, build_rpm(tmp_path, "busy", "0.0")).code == 0
    failures: list[str] = []
    straddles: list[str] = []
    refreshes = 0
    stop = threading.Event()
    with serving(store, port):
        dnf = DnfClient(tmp_path / "root")
        dnf.add_repo_file(open_store(store).get_bytes("rpm/r2repo.repo").decode())

        def loop() -> None:
            nonlocal refreshes
            while not stop.is_set():
                done = dnf.dnf("makecache", "--refresh", check=False)
                output = done.stdout + done.stderr
                if done.returncode != 0 and "GPG signature verification error" in output:
                    # dnf fetched repomd.xml and repomd.xml.asc on either side of a commit: the
                    # one window two files cannot close (docs/design.md). The next refresh must
                    # work; a checksum mismatch or a 404 never may.
                    straddles.append(output)
                    done = dnf.dnf("makecache", "--refresh", check=False)
                    output = done.stdout + done.stderr
                if done.returncode != 0:
                    failures.append(output)
                refreshes += 1

        client = threading.Thread(target=loop)
        client.start()
        try:
            for number in range(1, 31):
                rpm = build_rpm(tmp_path, "busy", f"{number}.0")
                assert r2repo("publish", *common, "--keep", "3", rpm).code == 0
        finally:
            stop.set()
            client.join(120)
        assert failures == []
        assert len(straddles) <= 3, straddles
        assert refreshes >= 10, refreshes
        dnf.dnf("makecache", "--refresh")
        info = dnf.dnf("repoquery", "--latest-limit", "1", "busy").stdout
        assert "busy-0:30.0-1.noarch" in info
