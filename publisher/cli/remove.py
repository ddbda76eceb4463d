"""`r2repo remove`."""

from __future__ import annotations

from pathlib import Path

import click

from publisher.aptpublish import AptChange, Removal, publish_dist
from publisher.cli.common import (
    check_name,
    open_signer,
    report,
    say,
    signing_option,
    store_option,
)
from publisher.progress import reporter_for
from publisher.stores import open_store
from publisher.stores.open import StoreLocation


@click.command("remove")
@store_option
@click.option("--dist", required=True)
@click.option("--component", default="main", show_default=True)
@click.option("--architecture", help="Only remove this architecture's builds.")
@signing_option
@click.argument("packages", nargs=-1, required=True)
def command(
    store: StoreLocation,
    dist: str,
    component: str,
    architecture: str | None,
    signing_keys: tuple[Path, ...],
    packages: tuple[str, ...],
) -> None:
    """Remove PACKAGE or PACKAGE=VERSION from a dist's indexes (files go at the next gc)."""
    check_name("dist", dist)
    check_name("component", component)
    removals = []
    for spec in packages:
        name, _, version = spec.partition("=")
        removals.append(Removal(name, version or None, architecture))
    target = open_store(store)
    with open_signer(signing_keys) as signer:
        change = AptChange(dist=dist, component=component, removals=removals)
        result = publish_dist(target, change, signer, progress=reporter_for(say))
    report("removed", dist, result.removed)
