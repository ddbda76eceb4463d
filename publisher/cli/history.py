"""`r2repo history`."""

from __future__ import annotations

import click

from publisher.cli.common import check_name, check_rpm_path, say, store_option
from publisher.ops.history import Target, entries
from publisher.stores import open_store
from publisher.stores.open import StoreLocation


def target_options(command: click.decorators.FC) -> click.decorators.FC:
    """--dist or --rpm-path: the one dist or RPM repository a history command is about."""
    command = click.option("--rpm-path", help="An RPM repository (e.g. rpm).")(command)
    return click.option("--dist", help="An APT dist (e.g. stable).")(command)


def target_of(dist: str | None, rpm_path: str | None) -> Target:
    if (dist is None) == (rpm_path is None):
        raise click.UsageError("give --dist or --rpm-path (one of them)")
    if dist is not None:
        check_name("dist", dist)
    else:
        check_rpm_path(rpm_path or "")
    return Target(dist, rpm_path)


@click.command("history")
@store_option
@target_options
@click.option("--limit", type=click.IntRange(min=1), help="Show only the newest N commits.")
def command(
    store: StoreLocation, dist: str | None, rpm_path: str | None, limit: int | None
) -> None:
    """List the commits of a dist or RPM repository, newest first: id, date, who, changes.

    Each line: the id (give it to `r2repo rollback --to`), the date (UTC), who committed (user@host,
    or the CI job's URL), how many packages were added and removed, and which.
    """
    target = target_of(dist, rpm_path)
    from publisher.core.history import line

    shown = 0
    for entry in entries(open_store(store), target, limit):
        click.echo(line(entry))
        shown += 1
    if not shown:
        say(f"{target.where}: no history recorded (it starts with the next commit)")
