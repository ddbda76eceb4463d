"""The signing keys import while a publish reads its packages; they are still checked before
anything is written: an expired key changes nothing, one expiring soon warns."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from publisher.signing.gnupg import HOME_PREFIX, OWNER_FILE
from tests.conftest import tree_digest
from tests.support.gpg import agents_under
from tests.support.rpms import build_rpm


def _make_key(directory: Path, user_id: str, expires: str, faked_time: str | None = None) -> Path:
    """An Ed25519 key from a private gpg home; with `faked_time` it was made back then."""
    home = directory / "gnupg"
    home.mkdir(mode=0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback"]
    gpg += ["--passphrase", ""]
    made_then = ["--faked-system-time", faked_time] if faked_time else []
    subprocess.run(
        [*gpg, *made_then, "--quick-generate-key", user_id, "ed25519", "sign", expires],
        check=True,
        capture_output=True,
    )
    secret = subprocess.run(
        [*gpg, "--armor", "--export-secret-keys"], check=True, capture_output=True
    ).stdout
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)
    path = directory / "signing-key.asc"
    path.write_bytes(secret)
    return path


def _publish(r2repo, store: Path, key: Path, rpm: Path):  # type: ignore[no-untyped-def]
    return r2repo("publish", "--store", store, "--signing-key", key, rpm)


def test_an_expired_key_stops_the_publish_before_anything_is_written(
    r2repo, key_dir: Path, tmp_path: Path
):
    store = tmp_path / "repo"
    assert (
        _publish(r2repo, store, key_dir / "signing-key.asc", build_rpm(tmp_path, "one", "1.0")).code
        == 0
    )
    before = tree_digest(store)
    (tmp_path / "old").mkdir()
    # Made in 2020, valid for a year.
    expired = _make_key(tmp_path / "old", "Old <old@example.com>", "1y", "20200101T000000!")
    result = _publish(r2repo, store, expired, build_rpm(tmp_path, "two", "1.0"))
    assert result.code == 1
    assert "expired" in result.err and "Old <old@example.com>" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert tree_digest(store) == before


def test_a_key_expiring_soon_publishes_with_a_warning(r2repo, tmp_path: Path):
    (tmp_path / "soon").mkdir()
    soon = _make_key(tmp_path / "soon", "Soon <soon@example.com>", "30d")
    result = _publish(r2repo, tmp_path / "repo", soon, build_rpm(tmp_path, "one", "1.0"))
    assert result.code == 0, result
    warnings = [line for line in result.err.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and "Soon <soon@example.com>" in warnings[0]
    assert "rotate it soon" in warnings[0]


def test_no_key_is_made_for_packages_that_fail_to_read(
    r2repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("R2REPO_SIGNING_KEY", raising=False)
    result = r2repo("publish", "--store", tmp_path / "repo", tmp_path / "missing.rpm")
    assert result.code == 1 and "missing.rpm" in result.err
    assert not (tmp_path / ".r2repo").exists()
    assert not (tmp_path / "repo").exists()


def _own_homes() -> list[Path]:
    homes = Path(tempfile.gettempdir()).glob(HOME_PREFIX + "*")
    return [
        h
        for h in homes
        if (h / OWNER_FILE).is_file() and (h / OWNER_FILE).read_text() == str(os.getpid())
    ]


def test_a_publish_that_fails_while_its_key_imports_leaves_no_agent_and_no_home(
    r2repo, key_dir: Path, tmp_path: Path
):
    prefix = Path(tempfile.gettempdir()) / HOME_PREFIX
    before = set(agents_under(prefix))
    result = _publish(r2repo, tmp_path / "repo", key_dir / "signing-key.asc", tmp_path / "no.rpm")
    assert result.code == 1 and "no.rpm: no such file" in result.err
    assert _own_homes() == []
    deadline = time.monotonic() + 5
    while set(agents_under(prefix)) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(agents_under(prefix)) - before == set()
