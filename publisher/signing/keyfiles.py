"""Where signing keys come from: files, the environment, or a key made once for this directory."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from publisher.errors import R2repoError, SigningError
from publisher.signing.gnupg import GeneratedKey, generate_key

ENV_SIGNING_KEY = "R2REPO_SIGNING_KEY"
DEFAULT_KEY_DIR = Path(".r2repo") / "keys"
SECRET_NAME = "signing-key.asc"
DEFAULT_USER_ID = "r2repo signing key <r2repo@localhost>"


# Never through a symlink, never over a file: a dangling link at the secret key's path would
# otherwise write the secret wherever the link points (O_EXCL refuses any existing name,
# links included; O_NOFOLLOW says so explicitly).
_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW


def key_file_paths(directory: Path) -> dict[str, Path]:
    return {
        "secret": directory / SECRET_NAME,
        "public": directory / "key.asc",
        "keyring": directory / "key.gpg",
    }


def check_key_files_absent(directory: Path) -> None:
    """Refuse before making a key (which takes seconds) when any of its files' names is taken."""
    for path in key_file_paths(directory).values():
        if os.path.lexists(path):
            link = " (a symlink, not followed)" if path.is_symlink() else ""
            raise R2repoError(f"{path}: already exists{link}, not overwriting it")


def write_key_files(key: GeneratedKey, directory: Path) -> dict[str, Path]:
    """signing-key.asc (secret, mode 600), key.asc and key.gpg (public), all new files.

    All three are created before any is written, and removed again if one cannot be: a refusal
    leaves the directory as it was.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = key_file_paths(directory)
    contents = {
        "secret": key.secret_armored,
        "public": key.public_armored,
        "keyring": key.public_binary,
    }
    created: dict[str, int] = {}
    try:
        for name, path in paths.items():
            try:
                created[name] = os.open(path, _CREATE_NEW, 0o600 if name == "secret" else 0o644)
            except FileExistsError:
                raise R2repoError(f"{path}: already exists, not overwriting it") from None
            except OSError as exc:
                raise R2repoError(f"{path}: cannot create it ({exc.strerror})") from None
        for name, fd in created.items():
            with os.fdopen(fd, "wb") as out:
                created[name] = -1  # closed by the with, whatever happens
                out.write(contents[name])
    except BaseException:
        for name, fd in created.items():
            if fd >= 0:
                os.close(fd)
            paths[name].unlink(missing_ok=True)
        raise
    return paths


def key_to_make(paths: Sequence[Path], key_dir: Path = DEFAULT_KEY_DIR) -> bool:
    """True when no key is given or kept here, so `resolve_signing_keys` would make one."""
    return (
        not paths
        and not os.environ.get(ENV_SIGNING_KEY, "").strip()
        and not (key_dir / SECRET_NAME).is_file()
    )


def resolve_signing_keys(
    paths: Sequence[Path], say: Callable[[str], None], key_dir: Path = DEFAULT_KEY_DIR
) -> list[bytes]:
    """Armored secret keys: --signing-key files, else $R2REPO_SIGNING_KEY, else a local default."""
    if paths:
        keys = []
        for path in paths:
            try:
                keys.append(Path(path).read_bytes())
            except OSError as exc:
                raise SigningError(f"{path}: cannot read signing key ({exc.strerror})") from exc
        return keys
    from_env = os.environ.get(ENV_SIGNING_KEY, "").strip()
    if from_env:
        return [from_env.encode("utf-8") + b"\n"]
    secret = key_dir / SECRET_NAME
    if secret.is_file():
        say(f"signing with {secret} (no --signing-key or ${ENV_SIGNING_KEY} given)")
        return [secret.read_bytes()]
    written = write_key_files(generate_key(DEFAULT_USER_ID), key_dir)
    say(
        f"generated a new signing key into {key_dir}/ (secret: {written['secret']}); "
        "it is reused from now on: keep it safe"
    )
    return [written["secret"].read_bytes()]
