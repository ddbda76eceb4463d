"""`r2repo copy`."""

from __future__ import annotations

from pathlib import Path

import click

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
from publisher.core.removal import Removal
from publisher.ops.partial import PartialCommit
from publisher.stores import open_store
from publisher.stores.open import StoreLocation


@click.command("copy")
@store_option
@click.option("--from-dist", help="The dist the packages are in (e.g. staging).")
@click.option("--to-dist", help="The dist they go to (e.g. stable).")
@click.option("--component", default="main", show_default=True, help="APT component of both.")
@click.option("--from-rpm-path", help="The RPM repository the packages are in (e.g. rpm/testing).")
@click.option("--to-rpm-path", help="The RPM repository they go to (e.g. rpm/stable).")
@click.option("--all", "copy_all", is_flag=True, help="Every package of the component.")
@click.option("--move", is_flag=True, help="Remove them from --from-dist in the same command.")
@click.option(
    "--replace", is_flag=True, help="Accept other bytes already in --to-dist under the same key."
)
@signing_option
@rotate_option
@click.argument("packages", nargs=-1)
def command(
    store: StoreLocation,
    from_dist: str | None,
    to_dist: str | None,
    component: str,
    from_rpm_path: str | None,
    to_rpm_path: str | None,
    copy_all: bool,
    move: bool,
    replace: bool,
    signing_keys: tuple[Path, ...],
    rotate_key: bool,
    packages: tuple[str, ...],
) -> None:
    """Copy PACKAGE or PACKAGE=VERSION (or --all) from one dist to another, or from one RPM
    repository to another, uploading nothing.

    Dists share the pool: the target's index points at the files the source references. RPM
    repositories each hold their files: they are copied inside the store (no byte sent).
    """
    if bool(packages) == copy_all:
        raise click.UsageError("give PACKAGE[=VERSION]... or --all")
    dists, roots = (from_dist, to_dist), (from_rpm_path, to_rpm_path)
    rpm = any(roots)
    if None in (roots if rpm else dists) or (rpm and any(dists)):
        raise click.UsageError(
            "give --from-dist and --to-dist, or --from-rpm-path and --to-rpm-path"
        )
    if rpm:
        for value in roots:
            check_rpm_path(value)
    else:
        for kind, value in (("dist", from_dist), ("dist", to_dist), ("component", component)):
            check_name(kind, value)
    specs = None if copy_all else [Removal.parse(spec) for spec in packages]
    target = open_store(store)
    from publisher.ops.copy import copy_packages, copy_rpms

    with open_trusted_signer(target, [r for r in roots if r], signing_keys, rotate_key) as signer:
        failure: PartialCommit | None = None
        options = {"move": move, "replace": replace, "progress": reporter_for(say)}
        try:
            if rpm:
                outcomes = copy_rpms(target, from_rpm_path, to_rpm_path, specs, signer, **options)
            else:
                outcomes = copy_packages(
                    target, from_dist, to_dist, component, specs, signer, **options
                )
        except PartialCommit as exc:
            failure, outcomes = exc, exc.outcomes
    for where, outcome in outcomes.items():
        report("added", where, outcome.added)
        report("unchanged", where, outcome.unchanged)
        report("removed", where, outcome.removed)
    if failure is not None:
        raise failure
