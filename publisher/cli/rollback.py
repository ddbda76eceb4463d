"""`r2repo rollback`."""

from __future__ import annotations

from pathlib import Path

import click

from publisher.cli.common import (
    open_trusted_signer,
    report,
    rotate_option,
    say,
    signing_option,
    store_option,
)
from publisher.cli.history import target_of, target_options
from publisher.cli.progress import reporter_for
from publisher.stores import open_store
from publisher.stores.open import StoreLocation


@click.command("rollback")
@store_option
@target_options
@click.option("--to", "to", required=True, help="The id (or its start) `r2repo history` shows.")
@signing_option
@rotate_option
def command(
    store: StoreLocation,
    dist: str | None,
    rpm_path: str | None,
    to: str,
    signing_keys: tuple[Path, ...],
    rotate_key: bool,
) -> None:
    """Make an earlier state of a dist or RPM repository current again, in one commit.

    The state's indexes are signed again with a fresh date, so clients that saw a later state
    move back; the rollback is itself a new entry of the history. A state whose files gc has
    collected is refused (gc keeps the last --keep-states states).
    """
    target = target_of(dist, rpm_path)
    from publisher.ops.history import resolve, rollback

    repository = open_store(store)
    entry = resolve(repository, target, to)
    roots = [rpm_path] if rpm_path else []
    with open_trusted_signer(repository, roots, signing_keys, rotate_key) as signer:
        outcome = rollback(repository, target, entry, signer, progress=reporter_for(say))
    where = dist or rpm_path or ""
    report("added", where, outcome.added)
    report("removed", where, outcome.removed)
    for notice in outcome.notices:
        say(notice)
