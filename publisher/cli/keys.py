"""`r2repo keys generate`."""

from __future__ import annotations

from pathlib import Path

import click

from publisher.cli.common import say
from publisher.signing.gnupg import generate_key
from publisher.signing.keyfiles import check_key_files_absent, write_key_files


@click.group("keys")
def command() -> None:
    """Make a signing key (keys generate)."""


@command.command("generate")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for the three key files (created; an existing key is not overwritten).",
)
@click.option(
    "--name",
    "user_id",
    default="r2repo signing key <r2repo@localhost>",
    show_default=True,
    help='The key\'s user id, "Name <address>", shown to whoever imports it.',
)
@click.option(
    "--algorithm",
    type=click.Choice(["rsa4096", "rsa3072", "ed25519"]),
    default="rsa4096",
    show_default=True,
    help="Key type; RSA is what every apt, dnf and zypper verifies.",
)
@click.option("--expires", default="5y", show_default=True, help="gpg expiry: 5y, 18m, 0 (never).")
def generate(output_dir: Path, user_id: str, algorithm: str, expires: str) -> None:
    """Write signing-key.asc (secret), key.asc and key.gpg (public) into OUTPUT_DIR."""
    check_key_files_absent(output_dir)
    key = generate_key(user_id, algorithm, expires)
    for path in write_key_files(key, output_dir).values():
        click.echo(str(path))
    say(f"key {key.fingerprint}")
