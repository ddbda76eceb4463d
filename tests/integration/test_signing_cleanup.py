"""A publisher killed mid-run leaves a gpg-agent and a GNUPGHOME; the next one cleans them up."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.support.debs import build_deb
from tests.support.gpg import agents_under
from tests.support.publishers import run_r2repo

KILLED_PUBLISHER = """
import os, signal, sys
from publisher.signing.gnupg import Signer
signer = Signer([open(sys.argv[1], 'rb').read()])
signer.clearsign(b'x')  # starts the agent
print(signer.home.path, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_next_signer_sweeps_a_killed_publishers_home(key_dir: Path):
    from publisher.signing.gnupg import Signer

    done = subprocess.run(
        [sys.executable, "-c", KILLED_PUBLISHER, str(key_dir / "signing-key.asc")],
        capture_output=True,
        text=True,
        check=False,
    )
    abandoned = Path(done.stdout.strip())
    assert done.returncode == -9 and abandoned.is_dir()
    assert agents_under(abandoned), "the killed publisher's agent is running"
    with Signer([(key_dir / "signing-key.asc").read_bytes()]):
        pass
    assert not abandoned.exists()
    deadline = time.monotonic() + 5
    while agents_under(abandoned) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not agents_under(abandoned)


def test_a_closed_signer_leaves_no_agent_and_no_home(key_dir: Path):
    from publisher.signing.gnupg import Signer

    with Signer([(key_dir / "signing-key.asc").read_bytes()]) as signer:
        signer.detach_sign(b"x")  # starts the agent
        home = Path(signer.home.path)
        assert agents_under(home)
    assert not home.exists()
    deadline = time.monotonic() + 5
    while agents_under(home) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not agents_under(home)


def test_signer_lists_its_keys_and_exports_each_form_once(key_dir: Path, monkeypatch):
    from publisher.signing.gnupg import GnuPGHome, Signer

    calls: list[list[str]] = []
    real_start = GnuPGHome.start

    def counting(self, args, data=None, what="gpg"):  # type: ignore[no-untyped-def]
        calls.append(args)
        return real_start(self, args, data, what)

    monkeypatch.setattr(GnuPGHome, "start", counting)
    with Signer([(key_dir / "signing-key.asc").read_bytes()]) as signer:
        assert [key.user_id for key in signer.keys] == ["Test Repo <repo@example.com>"]
        armored = {signer.public_keys(True) for _ in range(3)}
        binary = {signer.public_keys(False) for _ in range(2)}
    assert len(armored) == 1 and next(iter(armored)).startswith(b"-----BEGIN PGP PUBLIC KEY")
    assert len(binary) == 1 and not next(iter(binary)).startswith(b"-----")
    assert len(calls) == 3  # the import (which lists the key), one export per form


def _dead_pid() -> int:
    finished = subprocess.Popen([sys.executable, "-c", ""])
    finished.wait()
    return finished.pid


def _publish(key_dir: Path, tmp_path: Path) -> None:
    """A real publish in its own process: a sweep that blocks fails it by the timeout."""
    deb = build_deb(tmp_path, "sweep-app", "1.0", "amd64")
    signing = ("--signing-key", key_dir / "signing-key.asc")
    done = run_r2repo("publish", "--store", tmp_path / "store", "--dist", "d", *signing, deb,
                      timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_sweep_leaves_a_link_named_like_a_home_alone(key_dir: Path, tmp_path: Path):
    """A link in the shared /tmp to a directory of someone else's choosing: its owner.pid is a
    FIFO (reading it would block every publish on the machine) and its agent runs."""
    from publisher.signing.gnupg import HOME_PREFIX, OWNER_FILE

    target = tmp_path / "target"
    target.mkdir(mode=0o700)
    os.mkfifo(target / OWNER_FILE)
    subprocess.run(["gpg-connect-agent", "--homedir", target, "/bye"], check=True)
    link = Path(tempfile.gettempdir()) / f"{HOME_PREFIX}planted-{os.getpid()}"
    link.symlink_to(target)
    try:
        assert agents_under(target)
        _publish(key_dir, tmp_path)
        assert link.is_symlink() and (target / OWNER_FILE).exists()
        time.sleep(0.3)
        assert agents_under(target), "the sweep stopped the agent the link points at"
    finally:
        link.unlink()
        subprocess.run(["gpgconf", "--homedir", target, "--kill", "all"], check=False)


@pytest.mark.skipif(os.getuid() != 0, reason="making another user's home needs root")
def test_the_sweep_leaves_another_users_home_alone(key_dir: Path, tmp_path: Path):
    from publisher.signing.gnupg import HOME_PREFIX, OWNER_FILE

    home = Path(tempfile.mkdtemp(prefix=HOME_PREFIX))
    try:
        (home / OWNER_FILE).write_text(str(_dead_pid()))
        for path in (home, home / OWNER_FILE):
            os.chown(path, 65534, 65534)
        _publish(key_dir, tmp_path)
        assert (home / OWNER_FILE).is_file()
    finally:
        shutil.rmtree(home, ignore_errors=True)
