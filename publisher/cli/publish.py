"""`r2repo publish`."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from publisher.cli.common import (
    check_name,
    check_rpm_path,
    open_signer,
    report,
    rotate_option,
    say,
    signing_option,
    store_option,
)
from publisher.cli.progress import reporter_for
from publisher.cli.publishconfig import config_dists
from publisher.core.outcome import Outcome
from publisher.errors import R2repoError
from publisher.ops.partial import PartialCommit
from publisher.ops.publish import PublishOptions, entry_reads, publish, read_inputs
from publisher.signing.keyfiles import key_to_make
from publisher.signing.trustroot import TrustRoot
from publisher.stores import open_store
from publisher.stores.base import LocalFiles
from publisher.stores.open import StoreLocation
from publisher.yum.repofile import DEFAULT_REPO_ID, DEFAULT_ROOT, check_base_url

# Where and how packages are published: shared by `publish` and `release`.
REPOSITORY_OPTIONS = [
    store_option,
    click.option(
        "--dist",
        "dists",
        multiple=True,
        help="Dist (codename) for .deb packages, e.g. bookworm; repeat it for several (each "
        "committed on its own, the package uploaded once); default: dists of [publish] in "
        "r2repo.toml.",
    ),
    click.option(
        "--pool-per-dist",
        is_flag=True,
        help="Give each dist its own pool directory, so the same name, version and "
        "architecture may have other bytes in each dist (a package built per codename).",
    ),
    click.option(
        "--component",
        default="main",
        show_default=True,
        help="APT component of the dist, as in the sources line: `deb URL DIST COMPONENT`.",
    ),
    signing_option,
    rotate_option,
    click.option(
        "--keep",
        type=click.IntRange(min=1),
        help="Keep the newest N versions per package and architecture.",
    ),
    click.option(
        "--replace",
        is_flag=True,
        help="Accept other bytes for a name, version and architecture already published.",
    ),
    click.option(
        "--rpm-path",
        default=DEFAULT_ROOT,
        show_default=True,
        help="Where the RPM repository lives in the store (e.g. rpm/el9).",
    ),
    click.option(
        "--repo-name", default=DEFAULT_REPO_ID, show_default=True, help="Repo id of the .repo file."
    ),
    click.option(
        "--base-url",
        envvar="R2REPO_BASE_URL",
        help="URL clients reach the store's root at, for the .repo file; env R2REPO_BASE_URL.",
    ),
    click.option(
        "--sign-packages",
        is_flag=True,
        help="Sign each .rpm with rpmsign (first signing key); the .repo then sets gpgcheck=1.",
    ),
]
REPOSITORY_PARAMS = (
    "store",
    "dists",
    "pool_per_dist",
    "component",
    "signing_keys",
    "keep",
    "replace",
    "rpm_path",
    "repo_name",
    "base_url",
    "sign_packages",
    "rotate_key",
)


def repository_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(REPOSITORY_OPTIONS):
        function = option(function)
    return function


def repository_settings(
    *,
    dists: Sequence[str],
    component: str,
    keep: int | None,
    replace: bool,
    rpm_path: str,
    repo_name: str,
    base_url: str | None,
    sign_packages: bool,
    rotate_key: bool = False,
    release_fields: dict[str, str] | None = None,
    architectures: Sequence[str] = (),
    pool_per_dist: bool = False,
    config: Path | None = None,
) -> PublishOptions:
    """The options checked and gathered; raises before anything is read or written."""
    dists = list(dict.fromkeys(dists or config_dists(config)))
    for dist in dists:
        check_name("dist", dist)
    for field_name in ("Suite", "Codename"):
        if len(dists) > 1 and field_name in (release_fields or {}):
            raise R2repoError(
                f"--{field_name.lower()}: one value for {len(dists)} dists; give it with one "
                "--dist at a time (each dist names itself by default)"
            )
    check_name("component", component)
    for field_name in ("Suite", "Codename"):
        check_name(field_name.lower(), (release_fields or {}).get(field_name))
    for arch in architectures:
        check_name("architecture", arch)
    check_rpm_path(rpm_path)
    check_name("repo name", repo_name)
    return PublishOptions(
        dists=dists,
        pool_per_dist=pool_per_dist,
        component=component,
        keep=keep,
        replace=replace,
        release_fields=release_fields or {},
        architectures=set(architectures),
        rpm_root=rpm_path,
        repo_id=repo_name,
        base_url=check_base_url(base_url) if base_url else None,
        sign_packages=sign_packages,
        rotate_key=rotate_key,
    )


def publish_files(
    store: StoreLocation,
    signing_keys: Sequence[Path],
    options: PublishOptions,
    files: Sequence[Path],
    *,
    link_inputs: bool = False,
) -> None:
    """Read every file, publish them all, and report what changed."""
    with contextlib.ExitStack() as cleanup:
        # A key that exists imports while the packages are read (publish waits for it before
        # writing); a key this directory still needs is made once the packages are known good.
        signer = None
        if not key_to_make(signing_keys):
            signer = cleanup.enter_context(open_signer(signing_keys, wait=False))
        target = open_store(store)
        # The first reads go out together once the inputs are read: their connections open
        # meanwhile (a round trip each on a remote store, two with TLS).
        suffixes = {path.suffix for path in files}
        target.warm(len(entry_reads(".deb" in suffixes, ".rpm" in suffixes, options)))
        inputs = read_inputs(files)
        if link_inputs:
            if not isinstance(target, LocalFiles):
                raise R2repoError(
                    f"--link-inputs: {target.url} is not a local directory; packages are uploaded"
                )
            target.link_inputs = True
        if signer is None:
            TrustRoot(target, [options.rpm_root]).refuse_new_key(options.rotate_key)
            signer = cleanup.enter_context(open_signer(signing_keys, wait=False))
        scratch = cleanup.enter_context(tempfile.TemporaryDirectory())
        try:
            result = publish(target, inputs, options, signer, Path(scratch), reporter_for(say))
        except PartialCommit as partial:
            for where, outcome in partial.outcomes.items():
                report_outcome(where, outcome)
            raise
    for where, outcome in ((options.rpm_root, result.rpm), *result.dists.items()):
        if outcome is not None:
            report_outcome(where, outcome)


def report_outcome(where: str, outcome: Outcome) -> None:
    """Results on stdout; `nothing changed` only when nothing was written."""
    report("added", where, outcome.added)
    report("removed", where, outcome.removed)
    report("changed", where, outcome.changed)
    report("unchanged", where, outcome.unchanged)
    for notice in outcome.notices:
        say(f"notice: {notice}")
    if outcome.added or outcome.removed or outcome.changed:
        return
    if outcome.written:
        # A repair (a signature an interrupted publish left behind) or a .repo file rewritten.
        say(f"{where}: no package or setting changed; {outcome.written} objects rewritten")
    else:
        say(f"{where}: nothing changed")


@click.command("publish")
@repository_options
@click.option("--origin", help="Release file's Origin (default r2repo; kept once given).")
@click.option("--label", help="Release file's Label (default r2repo; kept once given).")
@click.option("--suite", help="Release file's Suite (default: the dist name; kept once given).")
@click.option(
    "--codename", help="Release file's Codename (default: the dist name; kept once given)."
)
@click.option(
    "--description",
    help="Release file's Description (default: DIST packages published by r2repo).",
)
@click.option(
    "--architecture",
    "architectures",
    multiple=True,
    help="Also list this architecture (repeatable).",
)
@click.option(
    "--link-inputs",
    is_flag=True,
    help="Local store: hard-link each new package file instead of copying it (same file "
    "system). Only when inputs are never rewritten in place afterwards: the published "
    "package would change with them.",
)
# Plain strings: click.Path stats and converts each argument, visible at 50,000 packages; a
# missing file is reported by the reader with the same one line.
@click.argument("files", nargs=-1, required=True)
def command(
    store: StoreLocation,
    link_inputs: bool,
    signing_keys: tuple[Path, ...],
    origin: str | None,
    label: str | None,
    suite: str | None,
    codename: str | None,
    description: str | None,
    architectures: tuple[str, ...],
    files: tuple[str, ...],
    **repository: Any,
) -> None:
    """Add .deb and .rpm packages to signed APT and RPM repositories."""
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
    options = repository_settings(**repository, release_fields=fields, architectures=architectures)
    paths = [Path(file) for file in files]
    publish_files(store, signing_keys, options, paths, link_inputs=link_inputs)
