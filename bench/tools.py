"""The tools under test, each run as its own command line, signed with the same key."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.measure import Run, run, run_all

DIST = "bench"
ARCHES = ("amd64", "arm64")


@dataclass(frozen=True)
class Key:
    secret: Path  # armored secret key file (r2repo --signing-key)
    gnupghome: Path  # a GNUPGHOME holding it (reprepro, aptly, gpg)
    fingerprint: str


def make_key(directory: Path) -> Key:
    """One RSA 3072 key for every tool, made once and kept in the cache."""
    directory = directory.resolve()
    secret = directory / "signing-key.asc"
    home = directory / "gnupg"
    if not secret.exists():
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        subprocess.run(
            [sys.executable, "-m", "publisher", "keys", "generate", "--output-dir", str(directory),
             "--name", "bench <bench@example.com>", "--algorithm", "rsa3072"],
            check=True, capture_output=True,
        )  # fmt: skip
    if not home.exists():
        home.mkdir(mode=0o700)
        subprocess.run(
            ["gpg", "--homedir", str(home), "--batch", "--import", str(secret)],
            check=True,
            capture_output=True,
        )
    listing = subprocess.run(
        ["gpg", "--homedir", str(home), "--with-colons", "--list-secret-keys"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line[:4] == "fpr:")
    return Key(secret, home, fingerprint)


def _list_file(work: Path, files: list[Path]) -> Path:
    listing = work / "files.txt"
    listing.write_text("".join(f"{path}\n" for path in files))
    return listing


class R2repo:
    name = "r2repo"

    def __init__(self, key: Key, env: dict[str, str] | None = None) -> None:
        self.key = key
        self.env = env or {}  # an S3 endpoint and its credentials (scenario 8)

    def publish(self, store: Path | str, files: list[Path], work: Path, *extra: str) -> Run:
        command = [sys.executable, "-m", "bench.r2run", "publish", "--store", str(store)]
        command += ["--signing-key", str(self.key.secret), *extra]
        command += ["--files-from", str(_list_file(work, files))]
        return run(command, env={**self.environment(), **self.env})

    @staticmethod
    def environment() -> dict[str, str]:
        """r2repo from this checkout."""
        return {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}

    def publish_debs(self, store: Path | str, files: list[Path], work: Path) -> Run:
        return self.publish(store, files, work, "--dist", DIST)


class Reprepro:
    name = "reprepro"

    def __init__(self, key: Key) -> None:
        self.key = key

    def init(self, base: Path) -> None:
        conf = base / "conf"
        conf.mkdir(parents=True, exist_ok=True)
        (conf / "distributions").write_text(
            f"Codename: {DIST}\nArchitectures: {' '.join(ARCHES)}\nComponents: main\n"
            f"SignWith: {self.key.fingerprint}\nDebIndices: Packages Release . .gz .xz\n"
        )

    def include(self, base: Path, files: list[Path]) -> Run:
        if not (base / "conf").exists():
            self.init(base)
        directory = files[0].parent  # relative names keep 50,000 arguments under ARG_MAX
        command = ["reprepro", "-b", str(base), "--gnupghome", str(self.key.gnupghome)]
        return run([*command, "includedeb", DIST, *[p.name for p in files]], cwd=directory)


class Aptly:
    name = "aptly"

    def __init__(self, key: Key, s3: dict[str, str] | None = None) -> None:
        self.key = key
        # aptly's S3PublishEndpoints entry "bench" (scenario 8): it publishes there, not to disk
        self.s3 = s3
        self.target = ["s3:bench:"] if s3 else []

    def _config(self, base: Path) -> Path:
        config = base / "aptly.conf"
        if not config.exists():
            base.mkdir(parents=True, exist_ok=True)
            settings: dict[str, object] = {"rootDir": str(base / "root"), "gpgProvider": "gpg"}
            if self.s3:
                settings["S3PublishEndpoints"] = {"bench": self.s3}
            config.write_text(json.dumps(settings))
        return config

    def _command(self, base: Path, *args: str) -> list[str]:
        return ["aptly", f"-config={self._config(base)}", *args]

    def _env(self) -> dict[str, str]:
        return {"GNUPGHOME": str(self.key.gnupghome)}

    def fresh(self, base: Path, directory: Path) -> Run:
        sign = [f"-gpg-key={self.key.fingerprint}", "-batch"]
        return run_all(
            [
                self._command(base, "repo", "create", f"-distribution={DIST}", "-component=main",
                              "benchrepo"),
                self._command(base, "repo", "add", "benchrepo", str(directory)),
                self._command(base, "publish", "repo", f"-architectures={','.join(ARCHES)}",
                              *sign, "benchrepo", *self.target),
            ],
            env=self._env(),
        )  # fmt: skip

    def add(self, base: Path, deb: Path) -> Run:
        sign = [f"-gpg-key={self.key.fingerprint}", "-batch"]
        return run_all(
            [
                self._command(base, "repo", "add", "benchrepo", str(deb)),
                self._command(base, "publish", "update", *sign, DIST, *self.target),
            ],
            env=self._env(),
        )


def createrepo_binary() -> str:
    # Debian's C tool, not a same-named entry point some Python environment may put first.
    return "/usr/bin/createrepo_c" if Path("/usr/bin/createrepo_c").exists() else "createrepo_c"


class Createrepo:
    name = "createrepo_c"

    def __init__(self, key: Key) -> None:
        self.key = key

    def sign_command(self, directory: Path) -> list[str]:
        return ["gpg", "--homedir", str(self.key.gnupghome), "--batch", "--yes", "--armor",
                "--local-user", self.key.fingerprint, "--detach-sign",
                str(directory / "repodata" / "repomd.xml")]  # fmt: skip

    def fresh(self, directory: Path) -> Run:
        return run_all([[createrepo_binary(), str(directory)], self.sign_command(directory)])

    def update(self, directory: Path) -> Run:
        update = [createrepo_binary(), "--update", str(directory)]
        return run_all([update, self.sign_command(directory)])


def link_tree(source: Path, target: Path) -> None:
    """A copy of a repository to change, with files hard-linked (tools replace, not rewrite)."""
    subprocess.run(["cp", "-al", str(source), str(target)], check=True)


def copy_tree(source: Path, target: Path) -> None:
    """A full copy, for tools that may rewrite files in place (databases)."""
    subprocess.run(["cp", "-a", "--reflink=auto", str(source), str(target)], check=True)
