"""Check OpenPGP signatures as apt does: gpgv against a given keyring, nothing else trusted."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from publisher.errors import SigningError


class SignatureChecker:
    """gpgv with `keyring` (binary or armored public keys) in a private home."""

    def __init__(self, keyring: bytes) -> None:
        gpgv = shutil.which("gpgv")
        if gpgv is None:
            raise SigningError("gpgv: not found on PATH (install the gpgv package)")
        self.gpgv = gpgv
        self.home = Path(tempfile.mkdtemp(prefix="r2repo-gpgv-"))
        self.keyring = self.home / "keyring.gpg"
        if b"-----BEGIN PGP PUBLIC KEY BLOCK-----" in keyring:
            self.keyring = self.home / "keyring.asc"
        self.keyring.write_bytes(keyring)

    def _run(self, *files: Path) -> str | None:
        done = subprocess.run(
            [
                self.gpgv,
                "--homedir",
                str(self.home),
                "--keyring",
                str(self.keyring),
                *map(str, files),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            return None
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        return lines[-1].removeprefix("gpgv: ") if lines else f"gpgv exit {done.returncode}"

    def clearsigned(self, data: bytes) -> str | None:
        """None when `data` carries a good signature by a key of the keyring, else why not."""
        path = self.home / "signed"
        path.write_bytes(data)
        return self._run(path)

    def detached(self, signature: bytes, data: bytes) -> str | None:
        sig, body = self.home / "sig.asc", self.home / "body"
        sig.write_bytes(signature)
        body.write_bytes(data)
        return self._run(sig, body)

    def close(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> SignatureChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
