"""Publishers racing on one dist, and apt-get update while publishes run."""

from __future__ import annotations

import threading

import pytest

from tests.support.apt import AptClient
from tests.support.debs import build_deb
from tests.support.publishers import finish, start_r2repo
from tests.support.server import serving

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
