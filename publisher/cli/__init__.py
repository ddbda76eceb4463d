"""The `r2repo` command line: one module per subcommand, each a thin layer over the library."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from publisher.cli import (
    access,
    build,
    demo,
    gc,
    keys,
    listing,
    publish,
    release,
    remove,
    serve,
    token,
    verify,
)
from publisher.errors import R2repoError
from publisher.stores import StoreError


@click.group()
@click.version_option(package_name="r2repo")
def cli() -> None:
    """Signed APT and YUM/DNF repositories in a directory or an R2/S3 bucket."""


for module in (
    keys,
    build,
    publish,
    release,
    remove,
    listing,
    serve,
    verify,
    gc,
    demo,
    token,
    access,
):
    cli.add_command(module.command)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 on success, 1 for a user error (one line on stderr), 2 for usage."""
    try:
        cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except (R2repoError, StoreError) as exc:
        color = False if os.environ.get("NO_COLOR") else None
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
