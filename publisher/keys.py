"""Where signing keys come from: files, the environment, or a key made once for this directory."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from publisher.errors import SigningError
from publisher.signing import GeneratedKey, generate_key

ENV_SIGNING_KEY = "R2REPO_SIGNING_KEY"
DEFAULT_KEY_DIR = Path(".r2repo") / "keys"
SECRET_NAME = "signing-key.asc"
DEFAULT_USER_ID = "r2repo signing key <r2repo@localhost>"


def write_key_files(key: GeneratedKey, directory: Path) -> dict[str, Path]:
    """signing-key.asc (secret, mode 600), key.asc and key.gpg (public)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {
        "secret": directory / SECRET_NAME,
        "public": directory / "key.asc",
        "keyring": directory / "key.gpg",
    }
    fd = os.open(written["secret"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.secret_armored)
    written["public"].write_bytes(key.public_armored)
    written["keyring"].write_bytes(key.public_binary)
    return written


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
