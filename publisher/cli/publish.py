"""`r2repo publish`."""

from __future__ import annotations

from pathlib import Path

import click

from publisher.cli.common import check_name, open_signer, report, say, signing_option, store_option
from publisher.progress import reporter_for
from publisher.publish import PublishOptions, publish_debs, read_packages
from publisher.stores import open_store
from publisher.stores.open import StoreLocation


@click.command("publish")
@store_option
@click.option("--dist", help="Dist (codename) for .deb packages, e.g. bookworm.")
@click.option("--component", default="main", show_default=True)
@signing_option
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    help="Keep the newest N versions per package and architecture.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Accept other bytes for a name, version and architecture already published.",
)
@click.option("--origin")
@click.option("--label")
@click.option("--suite")
@click.option("--codename")
@click.option("--description")
@click.option(
    "--architecture",
    "architectures",
    multiple=True,
    help="Also list this architecture (repeatable).",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def command(
    store: StoreLocation,
    dist: str | None,
    component: str,
    signing_keys: tuple[Path, ...],
    keep: int | None,
    replace: bool,
    origin: str | None,
    label: str | None,
    suite: str | None,
    codename: str | None,
    description: str | None,
    architectures: tuple[str, ...],
    files: tuple[Path, ...],
) -> None:
    """Add .deb packages to a signed repository."""
    for kind, value in (
        ("dist", dist),
        ("component", component),
        ("suite", suite),
        ("codename", codename),
    ):
        check_name(kind, value)
    for arch in architectures:
        check_name("architecture", arch)
    packages = read_packages(files)
    fields = {
        name: value
        for name, value in (
            ("Origin", origin),
            ("Label", label),
            ("Suite", suite),
            ("Codename", codename),
            ("Description", description),
        )
        if value
    }
    options = PublishOptions(dist, component, keep, replace, fields, set(architectures))
    target = open_store(store)
    with open_signer(signing_keys) as signer:
        result = publish_debs(target, packages, options, signer, progress=reporter_for(say))
    where = dist or ""
    report("added", where, result.added)
    report("removed", where, result.removed)
    report("unchanged", where, result.unchanged)
    if not (result.added or result.removed):
        say(f"{where}: nothing changed")
