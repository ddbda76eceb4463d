"""OpenPGP signing with GnuPG in a throw-away home: clear-signed and detached, by every key."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from publisher.errors import SigningError

# Modern self-signatures and data signatures: sqv rejects SHA-1 bindings since 2026-02-01.
DIGEST = "SHA512"
EXPIRY_WARNING_DAYS = 90


@dataclass(frozen=True)
class KeyInfo:
    fingerprint: str
    user_id: str
    expires: int | None  # seconds since the epoch, None for never


def gpg_binary() -> str:
    path = shutil.which("gpg")
    if path is None:
        raise SigningError("gpg: not found on PATH (install the gnupg package)")
    return path


HOME_PREFIX = "r2repo-gnupg-"
OWNER_FILE = "owner.pid"


def _owner_alive(home: Path) -> bool:
    try:
        pid = int((home / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return True  # not ours to judge, or still being created
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_abandoned_homes() -> None:
    """Stop the gpg-agent and remove the home of publishers that were killed mid-run.

    A SIGKILLed publisher cannot clean up; its agent would live on (and hold inotify watches).
    """
    for home in Path(tempfile.gettempdir()).glob(HOME_PREFIX + "*"):
        if home.is_dir() and not _owner_alive(home):
            _kill_agent(str(home))
            shutil.rmtree(home, ignore_errors=True)


def _kill_agent(home: str) -> None:
    # Only gpg-agent ever runs for a private home (no dirmngr, no smartcard daemon): one
    # KILLAGENT, where `gpgconf --kill all` starts four processes to ask each daemon in turn.
    for command in (
        ["gpg-connect-agent", "--homedir", home, "--no-autostart", "KILLAGENT", "/bye"],
        ["gpgconf", "--homedir", home, "--kill", "all"],
    ):
        try:
            subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, check=False)
        except FileNotFoundError:
            continue
        return


class GnuPGHome:
    """A private GNUPGHOME that lives as long as the `with` block."""

    def __init__(self) -> None:
        sweep_abandoned_homes()
        self.path = tempfile.mkdtemp(prefix=HOME_PREFIX)
        os.chmod(self.path, 0o700)
        (Path(self.path) / OWNER_FILE).write_text(str(os.getpid()))

    def __enter__(self) -> GnuPGHome:
        return self

    def __exit__(
        self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        _kill_agent(self.path)
        shutil.rmtree(self.path, ignore_errors=True)

    def run(self, args: list[str], data: bytes | None = None, what: str = "gpg") -> bytes:
        command = [gpg_binary(), "--homedir", self.path, "--batch", "--no-tty", "--yes"]
        command += ["--pinentry-mode", "loopback", "--passphrase", ""]
        done = subprocess.run(command + args, input=data, capture_output=True, check=False)
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = message[-1] if message else f"exit code {done.returncode}"
            raise SigningError(f"{what}: {detail}")
        return done.stdout

    def secret_keys(self) -> list[KeyInfo]:
        listing = self.run(["--with-colons", "--list-secret-keys"]).decode()
        return _parse_colons(listing, "sec")


def _parse_colons(listing: str, record: str) -> list[KeyInfo]:
    keys: list[KeyInfo] = []
    expires: int | None = None
    fingerprint = None
    pending = False
    for line in listing.splitlines():
        fields = line.split(":")
        if fields[0] == record:
            expires = int(fields[6]) if fields[6] else None
            pending, fingerprint = True, None
        elif fields[0] == "fpr" and pending and fingerprint is None:
            fingerprint = fields[9]
        elif fields[0] == "uid" and pending and fingerprint:
            keys.append(KeyInfo(fingerprint, fields[9], expires))
            pending = False
    return keys


class Signer:
    """Signs with every given armored secret key at once (key rotation needs two)."""

    def __init__(self, armored_secret_keys: list[bytes]) -> None:
        if not armored_secret_keys:
            raise SigningError("no signing key given")
        self.home = GnuPGHome()
        self.keys: list[KeyInfo] = []
        self._public: dict[bool, bytes] = {}
        try:
            for number, key in enumerate(armored_secret_keys, start=1):
                if b"PRIVATE KEY BLOCK" not in key:
                    raise SigningError(f"signing key {number}: not an armored OpenPGP secret key")
                # import-show lists what was imported: no second gpg to list the keys.
                shown = self.home.run(
                    ["--with-colons", "--import-options", "import-show", "--import"],
                    key,
                    what=f"signing key {number}",
                )
                self.keys += _parse_colons(shown.decode(), "sec")
        except BaseException:
            self.close()
            raise
        now = time.time()
        for key in self.keys:
            if key.expires is not None and key.expires <= now:
                self.close()
                raise SigningError(f"signing key {key.fingerprint} ({key.user_id}): expired")

    def expiry_warnings(self, now: float | None = None) -> list[str]:
        now = time.time() if now is None else now
        limit = now + EXPIRY_WARNING_DAYS * 86400
        return [
            f"signing key {key.fingerprint} ({key.user_id}) expires "
            f"{time.strftime('%Y-%m-%d', time.gmtime(key.expires))}: rotate it soon"
            for key in self.keys
            if key.expires is not None and key.expires <= limit
        ]

    def _signer_args(self) -> list[str]:
        args = ["--digest-algo", DIGEST]
        for key in self.keys:
            args += ["--local-user", key.fingerprint + "!"]
        return args

    def clearsign(self, data: bytes) -> bytes:
        return self.home.run(["--clearsign", *self._signer_args()], data, what="clearsign")

    def detach_sign(self, data: bytes) -> bytes:
        """An armored detached signature (Release.gpg, repomd.xml.asc)."""
        args = ["--detach-sign", "--armor", *self._signer_args()]
        signature = self.home.run(args, data, what="detach-sign")
        if b"BEGIN PGP SIGNATURE" not in signature:
            raise SigningError("detach-sign: gpg produced an empty signature")
        return signature

    def public_keys(self, armor: bool) -> bytes:
        """The signing keys' public part; exported once per form (a publish asks up to four
        times: key.asc, key.gpg, repomd.xml.key and the signature check)."""
        if armor not in self._public:
            fingerprints = [key.fingerprint for key in self.keys]
            args = ["--export", *(["--armor"] if armor else []), *fingerprints]
            self._public[armor] = self.home.run(args)
        return self._public[armor]

    def close(self) -> None:
        self.home.__exit__(None, None, None)

    def __enter__(self) -> Signer:
        return self

    def __exit__(
        self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


UID_RE = re.compile(r"^[^<>]+ <[^<>@\s]+@[^<>\s]+>$")


@dataclass(frozen=True)
class GeneratedKey:
    secret_armored: bytes
    public_armored: bytes
    public_binary: bytes
    fingerprint: str


def generate_key(user_id: str, algorithm: str = "rsa4096", expires: str = "5y") -> GeneratedKey:
    """A new signing key; rsa4096 by default, which every apt, dnf, yum and zypper verifies."""
    if not UID_RE.match(user_id):
        raise SigningError(f"{user_id!r}: user id must look like 'Name <email@example.com>'")
    with GnuPGHome() as home:
        home.run(
            [
                "--cert-digest-algo",
                DIGEST,
                "--quick-generate-key",
                user_id,
                algorithm,
                "sign",
                expires,
            ],
            what="key generation",
        )
        (key,) = home.secret_keys()
        return GeneratedKey(
            secret_armored=home.run(["--armor", "--export-secret-keys", key.fingerprint]),
            public_armored=home.run(["--armor", "--export", key.fingerprint]),
            public_binary=home.run(["--export", key.fingerprint]),
            fingerprint=key.fingerprint,
        )
