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
