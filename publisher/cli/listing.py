"""`r2repo list`."""

from __future__ import annotations

import click

from publisher.cli.common import check_name, check_rpm_path, store_option
from publisher.core.marker import check_repository
from publisher.ops.listing import list_packages, list_rpms
from publisher.stores import open_store
from publisher.stores.open import StoreLocation


@click.command("list")
@store_option
@click.option("--dist", help="Only this dist.")
@click.option("--rpm-path", help="Only this RPM repository (e.g. rpm).")
def command(store: StoreLocation, dist: str | None, rpm_path: str | None) -> None:
    """Print where, component (or `rpm`), package, version and architecture of every package.

    With neither --dist nor --rpm-path, every dist and every RPM repository in the store.
    """
    check_name("dist", dist)
    if rpm_path is not None:
        check_rpm_path(rpm_path)
    target = open_store(store)
    check_repository(target, writing=False)
    if dist or rpm_path is None:
        for listed in list_packages(target, dist):
            click.echo(listed.line())
    if rpm_path or dist is None:
        for listed in list_rpms(target, rpm_path):
            click.echo(listed.line())
