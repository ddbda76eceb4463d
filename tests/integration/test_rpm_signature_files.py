"""How real clients treat a repomd.xml.asc holding several signatures (docs/design.md).

The measurements behind the choice of one signature per repomd.xml.asc: librepo (dnf) accepts
the file only when its first signature is good, libzypp (zypper) refuses any bad one, gpgv
fails on any bad one. Should a client change, these tests say so.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from publisher.signing.gnupg import Signer
from routes.openpgp import dearmor
from tests.support.rpmclients import DnfClient, ZypperClient, run
from tests.support.rpms import build_rpm
from tests.support.server import free_port, serving

pytestmark = pytest.mark.slow  # real dnf, zypper and gpgv


def armor(packets: bytes) -> bytes:
    crc = 0xB704CE
    for byte in packets:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    body = base64.b64encode(packets).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    checksum = base64.b64encode((crc & 0xFFFFFF).to_bytes(3, "big")).decode()
    text = "\n".join(["-----BEGIN PGP SIGNATURE-----", "", *lines, "=" + checksum])
    return (text + "\n-----END PGP SIGNATURE-----\n").encode()


@pytest.fixture(scope="module")
def published(tmp_path_factory, key_dir):
    from publisher.cli import main

    work = tmp_path_factory.mktemp("multisig")
    port = free_port()
    store = work / "store"
    rpm = build_rpm(work, "multi-sig", "1.0")
    signing = str(key_dir / "signing-key.asc")
    args = ["publish", "--store", str(store), "--signing-key", signing]
    assert main([*args, "--base-url", f"http://127.0.0.1:{port}", str(rpm)]) == 0
    repodata = store / "rpm/repodata"
    with Signer([(key_dir / "signing-key.asc").read_bytes()]) as signer:
        good = dearmor((repodata / "repomd.xml.asc").read_bytes())
        bad = dearmor(signer.detach_sign(b"another repomd.xml\n"))
    with serving(store, port):
        yield store, repodata, good, bad


def gpgv_ok(key_dir: Path, signature: Path, data: Path) -> bool:
    done = run(["gpgv", "--keyring", str(key_dir / "key.gpg"), str(signature), str(data)], False)
    return done.returncode == 0


@pytest.mark.parametrize(
    ("order", "dnf_accepts"), [("good-first", True), ("bad-first", False), ("good-only", True)]
)
def test_multi_signature_files_against_dnf_zypper_gpgv(
    order, dnf_accepts, published, key_dir, tmp_path
):
    store, repodata, good, bad = published
    packets = {"good-first": good + bad, "bad-first": bad + good, "good-only": good}[order]
    (repodata / "repomd.xml.asc").write_bytes(armor(packets))
    assert gpgv_ok(key_dir, repodata / "repomd.xml.asc", repodata / "repomd.xml") == (
        order == "good-only"
    )
    dnf = DnfClient(tmp_path / "dnf")
    dnf.add_repo_file((store / "rpm/r2repo.repo").read_text())
    done = dnf.dnf("makecache", check=False)
    assert (done.returncode == 0) == dnf_accepts, done.stdout + done.stderr
    zypper = ZypperClient(tmp_path / "zypper")
    zypper.import_key(key_dir / "key.asc")
    base = (store / "rpm/r2repo.repo").read_text().split("baseurl=")[1].split()[0]
    zypper.zypper("addrepo", "--check", base, "multi")
    refreshed = zypper.zypper("refresh", check=False)
    assert (refreshed.returncode == 0) == (order == "good-only"), refreshed.stdout
