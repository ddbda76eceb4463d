"""`r2repo gc`."""

from __future__ import annotations

import time

import click

from publisher.cli.common import say, store_option
from publisher.core.gcrecord import HORIZON_SECONDS
from publisher.core.history import DEFAULT_KEEP_STATES
from publisher.errors import R2repoError
from publisher.ops.gc import collect, parse_duration
from publisher.stores import open_store
from publisher.stores.open import StoreLocation


@click.command("gc")
@store_option
@click.option(
    "--grace",
    default="48h",
    show_default=True,
    help="Keep what became unreferenced less than this ago (48h: dnf's metadata cache); "
    f"0 to {HORIZON_SECONDS // 86400}d, e.g. 36h, 7d, 2w.",
)
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@click.option(
    "--keep-states",
    type=click.IntRange(min=1),
    default=DEFAULT_KEEP_STATES,
    show_default=True,
    help="Keep every file the last N states of each dist and RPM repository need, whatever "
    "their age (what `r2repo rollback` can return to); 1 keeps the current state only.",
)
@click.option(
    "--now",
    "now_epoch",
    type=float,
    hidden=True,
    help="Test hook: the current time, in seconds since the epoch.",
)
def command(
    store: StoreLocation, grace: str, dry_run: bool, keep_states: int, now_epoch: float | None
) -> None:
    """Delete packages and metadata no index has referenced for the grace period.

    The grace period (--grace, 0 to 30 days, default 48h) keeps what a client holding an older
    index may still fetch; 30 days is as far back as the store records when objects became
    unreferenced.
    """
    seconds = parse_duration(grace)
    if not 0 <= seconds <= HORIZON_SECONDS:
        # Said here in the user's words: the library's own check can only state seconds.
        raise R2repoError(
            f"--grace {grace}: must be between 0 and {HORIZON_SECONDS // 86400} days (how far back "
            "the store records when objects became unreferenced)"
        )
    target = open_store(store)
    clock = (lambda: now_epoch) if now_epoch is not None else time.time
    result = collect(
        target,
        seconds,
        now=clock,
        dry_run=dry_run,
        deleted=lambda info: click.echo(f"deleted\t{info.key}"),
        keep_states=keep_states,
    )
    if dry_run:
        for info in result.delete:
            click.echo(f"would delete\t{info.key}")
    freed = sum(info.size for info in result.delete)
    verb = "would delete" if dry_run else "deleted"
    say(
        f"{verb} {len(result.delete)} objects ({freed} bytes); {len(result.waiting)} unreferenced "
        f"within the grace period kept; {result.referenced} referenced"
    )
