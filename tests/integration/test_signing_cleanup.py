"""A publisher killed mid-run leaves a gpg-agent and a GNUPGHOME; the next one cleans them up."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.support.gpg import agents_under

KILLED_PUBLISHER = """
import os, signal, sys
from publisher.signing import Signer
signer = Signer([open(sys.argv[1], 'rb').read()])
signer.clearsign(b'x')  # starts the agent
print(signer.home.path, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_next_signer_sweeps_a_killed_publishers_home(key_dir: Path):
    from publisher.signing import Signer

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
    from publisher.signing import Signer

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
    from publisher.signing import GnuPGHome, Signer

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
