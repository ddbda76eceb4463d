"""`r2repo publish`."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from publisher.cli.common import (
    check_name,
    check_rpm_path,
    open_signer,
    report,
    say,
    signing_option,
    store_option,
)
from publisher.publish import PublishOptions, publish, read_inputs
from publisher.stores import open_store
from publisher.yumpublish import DEFAULT_REPO_ID, DEFAULT_ROOT


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
@click.option(
    "--rpm-path",
    default=DEFAULT_ROOT,
    show_default=True,
    help="Where the RPM repository lives in the store (e.g. rpm/el9).",
)
@click.option(
    "--repo-name", default=DEFAULT_REPO_ID, show_default=True, help="Repo id of the .repo file."
)
@click.option(
    "--base-url",
    envvar="R2REPO_BASE_URL",
    help="URL clients reach the store's root at, for the .repo file; env R2REPO_BASE_URL.",
)
@click.option(
    "--sign-packages",
    is_flag=True,
    help="Sign each .rpm with rpmsign (first signing key); the .repo then sets gpgcheck=1.",
)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def command(
    store: str,
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
    rpm_path: str,
    repo_name: str,
    base_url: str | None,
    sign_packages: bool,
    files: tuple[Path, ...],
) -> None:
    """Add .deb and .rpm packages to signed APT and RPM repositories."""
    for kind, value in (
        ("dist", dist),
        ("component", component),
        ("suite", suite),
        ("codename", codename),
    ):
        check_name(kind, value)
    for arch in architectures:
        check_name("architecture", arch)
    check_rpm_path(rpm_path)
    check_name("repo name", repo_name)
    inputs = read_inputs(files)
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
    options = PublishOptions(
        dist=dist,
        component=component,
        keep=keep,
        replace=replace,
        release_fields=fields,
        architectures=set(architectures),
        rpm_root=rpm_path,
        repo_id=repo_name,
        base_url=base_url,
        sign_packages=sign_packages,
    )
    target = open_store(store)
    with open_signer(signing_keys) as signer, tempfile.TemporaryDirectory() as scratch:
        result = publish(target, inputs, options, signer, Path(scratch))
    for where, outcome in ((rpm_path, result.rpm), (dist or "", result.apt)):
        if outcome is None:
            continue
        report("added", where, outcome.added)
        report("removed", where, outcome.removed)
        report("unchanged", where, outcome.unchanged)
        for notice in outcome.notices:
            say(f"notice: {notice}")
        if not (outcome.added or outcome.removed):
            say(f"{where}: nothing changed")
