"""`r2repo list`."""

from __future__ import annotations

import click

from publisher.cli.common import check_name, store_option
from publisher.listing import list_packages
from publisher.stores import open_store
from publisher.stores.open import StoreLocation


@click.command("list")
@store_option
@click.option("--dist")
def command(store: StoreLocation, dist: str | None) -> None:
    """Print dist, component, package, version and architecture of every published package."""
    check_name("dist", dist)
    for listed in list_packages(open_store(store), dist):
        click.echo(listed.line())
