"""OpenPGP signing with GnuPG in a throw-away home: clear-signed and detached, by every key."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from publisher.errors import SigningError

# Modern self-signatures and data signatures: sqv rejects SHA-1 bindings since 2026-02-01.
DIGEST = "SHA512"
EXPIRY_WARNING_DAYS = 90
STOP_SECONDS = 10  # a gpg still running when its signer closes: an import or export, not a hang


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


def _own_home(entry: os.DirEntry[str]) -> bool:
    """A directory this user made, as mkdtemp made it. The temporary directory is shared: another
    user's home is not ours to stop or delete, and a link named like a home could point at any
    directory (and its agent)."""
    if not entry.name.startswith(HOME_PREFIX):
        return False
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()


def sweep_abandoned_homes() -> None:
    """Stop the gpg-agent and remove the home of this user's publishers killed mid-run.

    A SIGKILLed publisher cannot clean up; its agent would live on (and hold inotify watches).
    """
    with os.scandir(tempfile.gettempdir()) as entries:
        homes = [e.path for e in entries if _own_home(e)]
    for home in homes:
        if not _owner_alive(Path(home)):
            _kill_agent(home)
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

    def start(self, args: list[str], data: bytes | None = None, what: str = "gpg") -> RunningGpg:
        """gpg started on `args`; its output is waited for by `RunningGpg.result`. Without
        `data` it runs meanwhile (on another core); with it, it waits for the input."""
        command = [gpg_binary(), "--homedir", self.path, "--batch", "--no-tty", "--yes"]
        command += ["--pinentry-mode", "loopback", "--passphrase", ""]
        stdin = subprocess.DEVNULL if data is None else subprocess.PIPE
        process = subprocess.Popen(
            command + args, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        return RunningGpg(process, data, what)

    def run(self, args: list[str], data: bytes | None = None, what: str = "gpg") -> bytes:
        return self.start(args, data, what).result()

    def secret_keys(self) -> list[KeyInfo]:
        listing = self.run(["--with-colons", "--list-secret-keys"]).decode()
        return _parse_colons(listing, "sec")


class RunningGpg:
    """One gpg process of a `GnuPGHome`, waited for once."""

    def __init__(self, process: subprocess.Popen[bytes], data: bytes | None, what: str) -> None:
        self.process, self.data, self.what = process, data, what
        self._output: bytes | None = None
        self._error: SigningError | None = None

    def result(self) -> bytes:
        """gpg's standard output; its last line of errors as a SigningError if it failed."""
        if self._output is None and self._error is None:
            stdout, stderr = self.process.communicate(self.data)
            if self.process.returncode == 0:
                self._output = stdout
            else:
                message = stderr.decode("utf-8", "replace").strip().splitlines()
                detail = message[-1] if message else f"exit code {self.process.returncode}"
                self._error = SigningError(f"{self.what}: {detail}")
        if self._error is not None:
            raise self._error
        assert self._output is not None
        return self._output

    def stop(self) -> None:
        """Let it end (a signer closed before it was needed). Not killed at once: an import
        killed while it starts gpg-agent could leave an agent the home's cleanup never sees."""
        if self.process.returncode is None:
            try:
                self.process.communicate(self.data, timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.communicate()


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


def _not_a_secret_key(key: bytes) -> str:
    """What was given instead of an armored secret key, in words that say what to give."""
    if b"PUBLIC KEY BLOCK" in key:
        return "this is a public key; pass the secret key (signing-key.asc)"
    text = key.strip()
    if b"\n" not in text and b"-----" not in text and (b"/" in text or text.endswith(b".asc")):
        # How $R2REPO_SIGNING_KEY=keys/signing-key.asc arrives: the variable holds the key itself.
        return (
            f"{text.decode('utf-8', 'replace')!r} is a file name, not a key: "
            "$R2REPO_SIGNING_KEY must hold the key's text; or use --signing-key FILE"
        )
    return "not an armored OpenPGP secret key (-----BEGIN PGP PRIVATE KEY BLOCK-----)"


class Signer:
    """Signs with every given armored secret key at once (key rotation needs two).

    The first key's import starts with the signer and runs beside whatever the caller does
    next (a publish reads its packages meanwhile); `ready`, and every signature, listing or
    export, waits for it and checks the keys.
    """

    def __init__(
        self, armored_secret_keys: list[bytes], warn: Callable[[str], None] | None = None
    ) -> None:
        if not armored_secret_keys:
            raise SigningError("no signing key given")
        for number, key in enumerate(armored_secret_keys, start=1):
            if b"PRIVATE KEY BLOCK" not in key:
                raise SigningError(f"signing key {number}: {_not_a_secret_key(key)}")
        self.home = GnuPGHome()
        self._armored = armored_secret_keys
        self._warn = warn
        self._keys: list[KeyInfo] | None = None
        self._exports: dict[bool, RunningGpg] = {}
        try:
            self._first_import = self._start_import(1)
        except BaseException:
            self.home.__exit__(None, None, None)
            raise

    def _start_import(self, number: int) -> RunningGpg:
        # From a file in the private home, so gpg needs nothing from us until it is waited for.
        path = Path(self.home.path) / f"import-{number}.asc"
        path.write_bytes(self._armored[number - 1])
        # import-show lists what was imported: no second gpg to list the keys.
        args = ["--with-colons", "--import-options", "import-show", "--import", str(path)]
        return self.home.start(args, what=f"signing key {number}")

    def ready(self) -> list[KeyInfo]:
        """The signing keys, once imported; an expired key is an error, one expiring soon a
        warning. Both public key forms are exported in the background from here on."""
        if self._keys is None:
            try:
                keys = _parse_colons(self._first_import.result().decode(), "sec")
                for number in range(2, len(self._armored) + 1):
                    keys += _parse_colons(self._start_import(number).result().decode(), "sec")
                now = time.time()
                for key in keys:
                    if key.expires is not None and key.expires <= now:
                        raise SigningError(
                            f"signing key {key.fingerprint} ({key.user_id}): expired"
                        )
            except BaseException:
                self.close()
                raise
            self._keys = keys
            self._start_exports([k.fingerprint for k in keys])
            for warning in self.expiry_warnings():
                self.warn(warning)
        return self._keys

    def _start_exports(self, fingerprints: list[str]) -> None:
        for armor in (True, False):
            self._exports[armor] = self.home.start(
                ["--export", *(["--armor"] if armor else []), *fingerprints]
            )

    def warn(self, message: str) -> None:
        if self._warn is not None:
            self._warn(message)

    def publish_also(self, keyrings: list[bytes]) -> None:
        """Publish these public keys beside the signing keys (a key rotation keeps the old
        ones): they come first in `public_keys`, but sign nothing."""
        keys = self.ready()
        kept: list[str] = []
        for number, keyring in enumerate(keyrings, start=1):
            path = Path(self.home.path) / f"published-{number}"
            path.write_bytes(keyring)
            args = ["--with-colons", "--import-options", "import-show", "--import", str(path)]
            listing = self.home.run(args, what="published keys").decode()
            kept += [key.fingerprint for key in _parse_colons(listing, "pub")]
        for running in self._exports.values():
            running.stop()
        self._start_exports(list(dict.fromkeys([*kept, *(k.fingerprint for k in keys)])))

    @property
    def keys(self) -> list[KeyInfo]:
        return self.ready()

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
        self.ready()
        return self._exports[armor].result()

    def close(self) -> None:
        # Only these run in the background; the other keys' imports are waited for at once.
        for running in (self._first_import, *self._exports.values()):
            running.stop()
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
