"""`r2repo remove`."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import click

from publisher.apt.publish import AptChange
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
from publisher.core.removal import Removal
from publisher.ops.dists import check_dists
from publisher.ops.partial import DistCommit, PartialCommit, commit_dists
from publisher.stores import open_store
from publisher.stores.open import StoreLocation
from publisher.yum.publish import RpmChange, check_rpm_root, publish_rpm_root


@click.command("remove")
@store_option
@click.option("--dist", "dists", multiple=True, help="Remove from this APT dist (repeatable).")
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
    dists: tuple[str, ...],
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
    With several --dist, each PACKAGE must be in each; every dist commits on its own.
    """
    if not dists and rpm_path is None:
        raise click.UsageError("give --dist, --rpm-path or both")
    dists = tuple(dict.fromkeys(dists))
    for dist in dists:
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
        progress = reporter_for(say)
        rpm_commit = None
        if rpm_path is not None:
            rpm_change = RpmChange(root=rpm_path, removals=removals)
            checked = check_rpm_root(target, rpm_change)
            rpm_commit = partial(
                publish_rpm_root, target, rpm_change, signer, checked=checked, progress=progress
            )
        dist_commits: list[DistCommit] = []
        if dists:

            def change(dist: str) -> AptChange:
                return AptChange(dist=dist, component=component, removals=removals)

            dist_commits = check_dists(target, dists, change, signer, progress)
        before = {rpm_path: rpm_commit()} if rpm_path and rpm_commit else {}
        failure: PartialCommit | None = None
        try:
            outcomes = {**before, **commit_dists(dist_commits, before)}
        except PartialCommit as exc:
            failure, outcomes = exc, exc.outcomes
        for where, outcome in outcomes.items():
            report("removed", where, outcome.removed)
        if failure is not None:
            raise failure
