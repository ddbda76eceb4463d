"""The `r2repo` command line: thin commands over the library modules."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from publisher.aptpublish import AptChange, AptResult, Removal, publish_dist
from publisher.errors import R2repoError
from publisher.keys import resolve_signing_keys, write_key_files
from publisher.publish import PublishOptions, publish_debs, read_packages
from publisher.signing import Signer, generate_key
from publisher.stores import Store, StoreError, open_store

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
DEFAULT_STORE = "repo"


def say(message: str) -> None:
    """Progress and notices go to stderr; stdout carries only results."""
    click.echo(f"r2repo: {message}", err=True)


def check_name(kind: str, value: str | None) -> str | None:
    if value is not None and not NAME_RE.match(value):
        raise R2repoError(f"{kind} {value!r}: use letters, digits and . _ + - only")
    return value


def store_option(function):  # type: ignore[no-untyped-def]
    return click.option(
        "--store",
        envvar="R2REPO_STORE",
        default=DEFAULT_STORE,
        show_default=True,
        help="Directory (or s3://BUCKET/PREFIX) holding the repository; env R2REPO_STORE.",
    )(function)


def signing_option(function):  # type: ignore[no-untyped-def]
    return click.option(
        "--signing-key",
        "signing_keys",
        multiple=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="Armored secret key file; repeat to sign with several keys. "
        "Default: $R2REPO_SIGNING_KEY, else .r2repo/keys/signing-key.asc (made once).",
    )(function)


def open_signer(signing_keys: Sequence[Path]) -> Signer:
    signer = Signer(resolve_signing_keys(signing_keys, say))
    for warning in signer.expiry_warnings():
        say(f"warning: {warning}")
    return signer


def report(result: AptResult, dist: str) -> None:
    for line in result.added:
        click.echo(f"added\t{dist}\t{line}")
    for line in result.removed:
        click.echo(f"removed\t{dist}\t{line}")
    for line in result.unchanged:
        click.echo(f"unchanged\t{dist}\t{line}")
    if not (result.added or result.removed):
        say(f"{dist}: nothing changed")


@click.group()
@click.version_option(package_name="r2repo")
def cli() -> None:
    """Signed APT and YUM/DNF repositories in a directory or an R2/S3 bucket."""


@cli.group()
def keys() -> None:
    """Signing keys."""


@keys.command("generate")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--name", "user_id", default="r2repo signing key <r2repo@localhost>", show_default=True
)
@click.option(
    "--algorithm",
    type=click.Choice(["rsa4096", "rsa3072", "ed25519"]),
    default="rsa4096",
    show_default=True,
)
@click.option(
    "--expires", default="5y", show_default=True, help="gpg expiry: 5y, 18m, 0 for never."
)
def keys_generate(output_dir: Path, user_id: str, algorithm: str, expires: str) -> None:
    """Write signing-key.asc (secret), key.asc and key.gpg (public) into OUTPUT_DIR."""
    if (output_dir / "signing-key.asc").exists():
        raise R2repoError(f"{output_dir / 'signing-key.asc'}: already exists, not overwriting it")
    key = generate_key(user_id, algorithm, expires)
    for path in write_key_files(key, output_dir).values():
        click.echo(str(path))
    say(f"key {key.fingerprint}")


@cli.command()
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
def publish(
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
    files: tuple[Path, ...],
) -> None:
    """Add .deb packages to a signed repository."""
    check_name("dist", dist)
    check_name("component", component)
    check_name("suite", suite)
    check_name("codename", codename)
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
        result = publish_debs(target, packages, options, signer)
    report(result, dist or "")


@cli.command()
@store_option
@click.option("--dist", required=True)
@click.option("--component", default="main", show_default=True)
@click.option("--architecture", help="Only remove this architecture's builds.")
@signing_option
@click.argument("packages", nargs=-1, required=True)
def remove(
    store: str,
    dist: str,
    component: str,
    architecture: str | None,
    signing_keys: tuple[Path, ...],
    packages: tuple[str, ...],
) -> None:
    """Remove PACKAGE or PACKAGE=VERSION from a dist's indexes (files go at the next gc)."""
    check_name("dist", dist)
    removals = []
    for spec in packages:
        name, _, version = spec.partition("=")
        removals.append(Removal(name, version or None, architecture))
    target = open_store(store)
    with open_signer(signing_keys) as signer:
        change = AptChange(dist=dist, component=component, removals=removals)
        result = publish_dist(target, change, signer)
    report(result, dist)


@cli.command("list")
@store_option
@click.option("--dist")
def list_command(store: str, dist: str | None) -> None:
    """Print dist, component, package, version and architecture of every published package."""
    from publisher.listing import list_packages

    check_name("dist", dist)
    for listed in list_packages(open_store(store), dist):
        click.echo(listed.line())


@cli.command()
@store_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8787, show_default=True, type=int)
@click.option(
    "--entry-ttl",
    default=60,
    show_default=True,
    type=int,
    help="Cache-Control max-age of InRelease, Packages, repomd.xml.",
)
def serve(store: str, host: str, port: int, entry_ttl: int) -> None:
    """Serve the repository over HTTP with the Worker's own request handling."""
    from publisher import serve as server

    target: Store = open_store(store)
    say(f"serving {target.url} on http://{host}:{port}/ (Ctrl-C stops)")
    server.run(target, host=host, port=port, entry_ttl=entry_ttl)


@cli.command()
@click.option("--store", default="demo-repo", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8787, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Publish only.")
def demo(store: str, host: str, port: int, no_serve: bool) -> None:
    """Build two sample packages, publish them into STORE and serve it."""
    from publisher.demo import run_demo

    run_demo(Path(store), host, port, serve=not no_serve, say=say)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 on success, 1 for a user error (one line on stderr), 2 for usage."""
    try:
        cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except (R2repoError, StoreError) as exc:
        color = None if not os.environ.get("NO_COLOR") else False
        click.secho(f"error: {exc}", fg="red", err=True, color=color)
        return 1
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


def entry() -> None:
    sys.exit(main())
