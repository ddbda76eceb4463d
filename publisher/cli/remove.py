"""`r2repo remove`."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import click

from publisher.apt.publish import AptChange, check_dist, publish_dist
from publisher.cli.common import (
    check_name,
    check_rpm_path,
    open_trusted_signer,
    report,
    rotate_option,
    say,
    signing_option,
    store_option,
)
from publisher.cli.progress import reporter_for
from publisher.core.marker import check_repository
from publisher.core.outcome import Outcome
from publisher.core.removal import Removal
from publisher.stores import open_store
from publisher.stores.open import StoreLocation
from publisher.yum.publish import RpmChange, check_rpm_root, publish_rpm_root


@click.command("remove")
@store_option
@click.option("--dist", help="Remove from this APT dist.")
@click.option("--rpm-path", help="Remove from this RPM repository (e.g. rpm).")
@click.option(
    "--component", default="main", show_default=True, help="APT component to remove from."
)
@click.option("--architecture", help="Only remove this architecture's builds.")
@signing_option
@rotate_option
@click.argument("packages", nargs=-1, required=True)
def command(
    store: StoreLocation,
    dist: str | None,
    rpm_path: str | None,
    component: str,
    architecture: str | None,
    signing_keys: tuple[Path, ...],
    rotate_key: bool,
    packages: tuple[str, ...],
) -> None:
    """Remove PACKAGE or PACKAGE=VERSION from indexes (files go at the next gc).

    VERSION is the Debian version, or for RPMs VERSION, VERSION-RELEASE or EPOCH:VERSION-RELEASE.
    With both --dist and --rpm-path, each PACKAGE must be in both; either both change or neither.
    """
    if dist is None and rpm_path is None:
        raise click.UsageError("give --dist, --rpm-path or both")
    check_name("dist", dist)
    check_name("component", component)
    if rpm_path is not None:
        check_rpm_path(rpm_path)
    removals = [Removal.parse(spec, architecture) for spec in packages]
    target = open_store(store)
    # Removing needs the marker: an empty store, or one whose files another tool wrote, is refused
    # before anything is planned (publish alone may mark an empty store).
    check_repository(target, writing=False)
    roots = [rpm_path] if rpm_path else []
    with open_trusted_signer(target, roots, signing_keys, rotate_key) as signer:
        # Both sides are checked before either commits, as publish does: a package missing from
        # one of them removes nothing at all.
        commits: list[tuple[str, Callable[..., Outcome]]] = []
        if rpm_path is not None:
            rpm_change = RpmChange(root=rpm_path, removals=removals)
            checked = check_rpm_root(target, rpm_change)
            commits.append(
                (rpm_path, partial(publish_rpm_root, target, rpm_change, signer, checked=checked))
            )
        if dist is not None:
            change = AptChange(dist=dist, component=component, removals=removals)
            apt_checked = check_dist(target, change)
            commits.append(
                (dist, partial(publish_dist, target, change, signer, checked=apt_checked))
            )
        for where, commit in commits:
            report("removed", where, commit(progress=reporter_for(say)).removed)
