"""`r2repo access set|show`: which prefixes need a token."""

from __future__ import annotations

import click

from publisher.cli.common import say, store_option
from publisher.core.marker import check_not_empty
from publisher.ops.access import read_access, reset_access, set_rules, where_rules_apply
from publisher.stores import open_store
from publisher.stores.open import StoreLocation


@click.group("access")
def command() -> None:
    """Private and public prefixes (the longest matching prefix decides)."""


@command.command("set")
@store_option
@click.option(
    "--private",
    "private",
    multiple=True,
    help="Prefix, relative to --store, that needs a token; / for all.",
)
@click.option(
    "--public", "public", multiple=True, help="Prefix, relative to --store, readable by anyone."
)
def set_access(store: StoreLocation, private: tuple[str, ...], public: tuple[str, ...]) -> None:
    """Mark prefixes private or public.

    Prefixes are relative to the store root given to --store (`dists`, `rpm/el9`, `/` for
    all), and apply where that root is what is served: `r2repo serve --store` of the same root,
    or the Worker serving that bucket and prefix.
    """
    if not private and not public:
        raise click.UsageError("give --private PREFIX or --public PREFIX")
    opened = open_store(store)
    access = set_rules(opened, private, public)
    say(f"{sum(access.rules.values())} private prefix(es); {where_rules_apply(opened)}")


@command.command("show")
@store_option
def show(store: StoreLocation) -> None:
    """prefix and private/public, one line each."""
    opened = open_store(store)
    check_not_empty(opened)
    access, _ = read_access(opened)
    for prefix, private in sorted(access.rules.items()):
        click.echo(f"{prefix or '/'}\t{'private' if private else 'public'}")


@command.command("reset")
@store_option
@click.option("--yes", is_flag=True, help="Confirm: every prefix becomes public, every token goes.")
def reset(store: StoreLocation, yes: bool) -> None:
    """Start again from no rules and no tokens (after access.json was lost or broken).

    While a repository that once had rules has no readable access.json, the Worker and
    `r2repo serve` refuse every request (503); this is the operator's word that it is public.
    """
    if not yes:
        raise click.UsageError("access reset makes every prefix public: confirm with --yes")
    opened = open_store(store)
    reset_access(opened)
    say(f"{opened.url}: no access rules, no tokens; every prefix is public")
