"""`r2repo verify`."""

from __future__ import annotations

from pathlib import Path

import click

from publisher.cli.common import say, store_option
from publisher.errors import R2repoError
from publisher.ops.verify import verify
from publisher.stores import open_store
from publisher.stores.open import StoreLocation


@click.command("verify")
@store_option
@click.option(
    "--keyring",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Trusted public keys (binary or armored). Default: the store's own key.gpg.",
)
@click.option("--strict", is_flag=True, help="Count leftovers of an interrupted publish too.")
def command(store: StoreLocation, keyring: Path | None, strict: bool) -> None:
    """Check every signature, index and package; one line per problem, exit 1 if any."""
    target = open_store(store)
    report = verify(target, keyring.read_bytes() if keyring else None, say=say)
    for note in report.notes:
        (click.echo if strict else say)(f"note: {note}" if not strict else note)
    for problem in report.problems:
        click.echo(problem)
    failures = len(report.problems) + (len(report.notes) if strict else 0)
    if failures:
        raise R2repoError(f"{target.url}: {failures} problems found")
    say(f"{target.url}: {report.checked_files} files checked, all good")
