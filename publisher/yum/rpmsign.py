"""Sign .rpm files with rpmsign, using the publish's own throw-away GnuPG home."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from publisher.errors import SigningError
from publisher.signing.gnupg import DIGEST, Signer, gpg_binary


def sign_rpm(source: Path, directory: Path, signer: Signer) -> Path:
    """A signed copy of `source` in `directory` (RPM v4 holds one signature: the first key's)."""
    rpmsign = shutil.which("rpmsign")
    if rpmsign is None:
        raise SigningError(
            f"{source}: --sign-packages needs rpmsign (install the rpm package), not found on PATH"
        )
    target = directory / source.name
    shutil.copyfile(source, target)
    key = signer.keys[0]
    done = subprocess.run(
        [
            rpmsign,
            "--addsign",
            "--define",
            f"__gpg {gpg_binary()}",
            "--define",
            f"_gpg_path {signer.home.path}",
            "--define",
            f"_gpg_name {key.fingerprint}",
            "--define",
            f"_gpg_digest_algo {DIGEST.lower()}",
            "--define",
            "_gpg_sign_cmd_extra_args --batch --pinentry-mode loopback --passphrase ''",
            str(target),
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.startswith("error")]
        raise SigningError(f"{source}: rpmsign failed ({(lines or ['unknown error'])[-1]})")
    return target
