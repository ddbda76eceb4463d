"""`r2repo set-base-url`."""

from __future__ import annotations

from pathlib import Path

import click

from publisher.cli.common import (
    check_name,
    check_rpm_path,
    open_trusted_signer,
    rotate_option,
    say,
    signing_option,
    store_option,
)
from publisher.cli.progress import reporter_for
from publisher.cli.publish import report_outcome
from publisher.stores import open_store
from publisher.stores.open import StoreLocation
from publisher.yum.baseurl import set_base_url
from publisher.yum.repofile import DEFAULT_REPO_ID, DEFAULT_ROOT


@click.command("set-base-url")
@store_option
@click.option(
    "--rpm-path",
    default=DEFAULT_ROOT,
    show_default=True,
    help="The RPM repository whose .repo file changes (e.g. rpm/el9).",
)
@click.option(
    "--repo-name",
    default=DEFAULT_REPO_ID,
    show_default=True,
    help="Repo id the root was published with (its .repo file's name).",
)
@signing_option
@rotate_option
@click.argument("url")
def command(
    store: StoreLocation,
    rpm_path: str,
    repo_name: str,
    signing_keys: tuple[Path, ...],
    rotate_key: bool,
    url: str,
) -> None:
    """Point the RPM repository's .repo file at URL, the address clients reach the store's root
    at, without republishing packages. repomd.xml is written and signed again (a .repo change
    is a commit like any publish); prints `changed ... baseurl OLD -> NEW`, or `nothing changed`.
    """
    check_rpm_path(rpm_path)
    check_name("repo name", repo_name)
    target = open_store(store)
    with open_trusted_signer(target, [rpm_path], signing_keys, rotate_key) as signer:
        outcome = set_base_url(target, rpm_path, repo_name, url, signer, reporter_for(say))
    report_outcome(rpm_path, outcome)
