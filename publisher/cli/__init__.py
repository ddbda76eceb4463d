"""The `r2repo` command line: one module per subcommand, each a thin layer over the library."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

import click

from publisher.errors import R2repoError
from publisher.stores import StoreError

# Subcommand -> its module, in the order `r2repo --help` lists them. Each module is imported
# only when its command runs: importing all of them would slow every command's start.
COMMANDS = {
    "keys": "keys",
    "build": "build",
    "publish": "publish",
    "release": "release",
    "remove": "remove",
    "copy": "copy",
    "history": "history",
    "rollback": "rollback",
    "set-base-url": "baseurl",
    "list": "listing",
    "serve": "serve",
    "verify": "verify",
    "gc": "gc",
    "demo": "demo",
    "token": "token",
    "access": "access",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Each command's whole first sentence, wrapped: click cuts it at the column width with
        # "...", which left half a sentence for most commands.
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=1000)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        command: click.Command = importlib.import_module(f"publisher.cli.{module}").command
        return command


@click.group(cls=LazyGroup)
@click.version_option(package_name="r2repo")
def cli() -> None:
    """Signed APT and YUM/DNF repositories in a directory or an R2/S3 bucket.

    \b
    Workflow (`r2repo COMMAND --help` tells more):
      1. keys generate --output-dir keys   a signing key, once (keep it secret)
      2. build --name N --version V ...    .deb and .rpm packages into dist/
      3. publish --dist bookworm --signing-key keys/signing-key.asc dist/*
                                           into --store (default ./repo);
                                           release = build + publish
      4. serve                             try it with apt-get or dnf, or
         deploy the Worker                 on the bucket you publish into
    """


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
