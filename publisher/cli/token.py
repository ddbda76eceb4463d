"""`r2repo token create|list|revoke`: tokens for private prefixes."""

from __future__ import annotations

import re
import time

import click

from publisher.cli.common import check_name, say, store_option
from publisher.core.marker import check_not_empty
from publisher.errors import R2repoError
from publisher.ops.access import create_token, read_access, revoke_token, where_rules_apply
from publisher.stores import open_store
from publisher.stores.open import StoreLocation
from routes.access import AccessFileError, format_time, parse_time


@click.group("token")
def command() -> None:
    """Tokens that read private prefixes (HTTP Basic password or Bearer)."""


# Hours, days, weeks: minutes are too short for a token, and `m` means months to gpg's --expires.
_EXPIRES_IN = re.compile(r"\s*\d+\s*[hdw]\s*")


def parse_expiry(text: str, now: float) -> float:
    """--expires as seconds since the epoch: a duration from `now`, or a date or date-time."""
    if _EXPIRES_IN.fullmatch(text):
        from publisher.ops.gc import parse_duration

        return now + parse_duration(text)
    try:
        return parse_time(text)
    except AccessFileError:
        raise R2repoError(
            f"--expires {text}: use a time from now (30d, 12h, 2w), a date (2027-01-31) or an "
            "ISO 8601 date-time (2027-01-31T18:00:00Z), UTC"
        ) from None


@command.command("create")
@store_option
@click.option("--name", required=True, help="Who or what holds it, e.g. ci or alice.")
@click.option(
    "--prefix",
    "prefixes",
    multiple=True,
    required=True,
    help="A private prefix the token may read (repeatable); / for everything.",
)
@click.option(
    "--expires",
    help="A time from now (12h, 30d, 2w) or a date (2027-01-31) or ISO date-time, UTC; "
    "default: never.",
)
def create(store: StoreLocation, name: str, prefixes: tuple[str, ...], expires: str | None) -> None:
    """Print a new token once; only its SHA-256 is stored."""
    check_name("token name", name)
    now = time.time()
    expiry = parse_expiry(expires, now) if expires else None
    opened = open_store(store)
    token, record = create_token(opened, name, prefixes, expiry, now)
    access, _ = read_access(opened)
    public = [p for p in record.prefixes if not access.is_private(p + "/")]
    for prefix in public:
        say(
            f"warning: {prefix or '/'} is public; run `r2repo access set --private {prefix or '/'}`"
        )
    say(f"token {name} created; it is shown only now; {where_rules_apply(opened)}")
    click.echo(token)


@command.command("list")
@store_option
def list_tokens(store: StoreLocation) -> None:
    """name, prefixes, created, expires (or never), and `expired` when it is."""
    opened = open_store(store)
    check_not_empty(opened)
    access, _ = read_access(opened)
    now = time.time()
    for token in sorted(access.tokens, key=lambda t: t.name):
        expires = "never" if token.expires is None else format_time(token.expires)
        state = "expired" if token.expired(now) else "valid"
        prefixes = ",".join(p or "/" for p in token.prefixes)
        click.echo(f"{token.name}\t{prefixes}\t{format_time(token.created)}\t{expires}\t{state}")


@command.command("revoke")
@store_option
@click.argument("name")
def revoke(store: StoreLocation, name: str) -> None:
    """Delete token NAME: it stops working within the Worker's ACCESS_TTL."""
    revoke_token(open_store(store), name)
    say(f"token {name} revoked")
