"""apt 3 (Debian 13), which verifies with sqv only, against `r2repo serve`."""

from __future__ import annotations

import uuid

import pytest

from publisher.cli import main
from tests.support.debs import build_deb
from tests.support.server import serving
from tests.support.trixie import chroot_apt, trixie_root

pytestmark = pytest.mark.slow  # a Debian trixie chroot's apt 3 with sqv


def test_apt3_with_sqv_updates_and_installs(tmp_path, key_dir, second_key_dir):
    root = trixie_root()
    # apt 3 depends on sqv and there is no gpgv in the chroot: sqv is the only verifier.
    assert (root / "usr/bin/sqv").exists() and not (root / "usr/bin/gpgv").exists()
    store = tmp_path / "store"
    deb = build_deb(tmp_path, "r2-trixie", "1:1.0-1", "amd64")
    assert (
        main(
            [
                "publish",
                "--store",
                str(store),
                "--dist",
                "stable",
                "--signing-key",
                str(key_dir / "signing-key.asc"),
                "--signing-key",
                str(second_key_dir / "signing-key.asc"),
                str(deb),
            ]
        )
        == 0
    )
    # Everything this test writes into the shared chroot lives under its own directory.
    own = f"/tmp/{uuid.uuid4().hex}"
    base = root / own.lstrip("/")
    for sub in ("lists/partial", "archives/partial", "etc"):
        (base / sub).mkdir(parents=True)
    (base / "key.gpg").write_bytes((key_dir / "key.gpg").read_bytes())
    options = [
        "-o",
        f"Dir::State::Lists={own}/lists",
        "-o",
        f"Dir::Cache::Archives={own}/archives",
        "-o",
        f"Dir::Etc::SourceList={own}/etc/sources.list",
        "-o",
        "Dir::Etc::SourceParts=-",
        "-o",
        "Debug::Acquire::gpgv=1",
    ]
    with serving(store) as url:
        (base / "etc/sources.list").write_text(f"deb [signed-by={own}/key.gpg] {url} stable main\n")
        update = chroot_apt(root, *options, "update")
        assert update.returncode == 0, update.stderr
        assert "W:" not in update.stderr and "E:" not in update.stderr, update.stderr
        assert "stable InRelease" in update.stdout
        download = chroot_apt(root, *options, "install", "--download-only", "-y", "r2-trixie")
        assert download.returncode == 0, download.stdout + download.stderr
        (fetched,) = (base / "archives").glob("r2-trixie_*_amd64.deb")
        assert fetched.read_bytes() == deb.read_bytes()
