"""Options and output shared by the subcommands."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from publisher.errors import R2repoError
from publisher.signing.gnupg import Signer
from publisher.signing.keyfiles import key_to_make, resolve_signing_keys
from publisher.signing.trustroot import TrustRoot
from publisher.stores import Store
from publisher.stores.open import StoreLocation, check_location, is_s3

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
DEFAULT_STORE = "repo"

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def say(message: str) -> None:
    """Progress and notices go to stderr; stdout carries only results.

    A plain write, not click.echo (a quarter of the cost: a publish of 10,000 packages writes a
    line per package when stderr is not a terminal); stderr is line-buffered either way.
    """
    sys.stderr.write(f"r2repo: {message}\n")


def check_name(kind: str, value: str | None) -> str | None:
    if value is not None and not NAME_RE.match(value):
        raise R2repoError(f"{kind} {value!r}: use letters, digits and . _ + - only")
    return value


def check_rpm_path(value: str) -> str:
    """A store prefix such as `rpm` or `rpm/el9`: names joined by single slashes."""
    for part in value.split("/"):
        if not NAME_RE.match(part):
            raise R2repoError(
                f"rpm path {value!r}: use names of letters, digits, . _ + - joined by /"
            )
    if value.split("/")[0] in ("dists", "pool", "_r2repo"):
        raise R2repoError(f"rpm path {value!r}: clashes with the APT layout or the private prefix")
    return value


def store_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """--store, --endpoint-url, --r2-account-id: the command receives `store: StoreLocation`."""

    @click.option(
        "--store",
        envvar="R2REPO_STORE",
        default=DEFAULT_STORE,
        show_default=True,
        help="Directory or s3://BUCKET[/PREFIX] holding the repository; env R2REPO_STORE.",
    )
    @click.option(
        "--endpoint-url",
        envvar="AWS_ENDPOINT_URL",
        help="S3 endpoint of an s3:// store (MinIO, moto...); env AWS_ENDPOINT_URL.",
    )
    @click.option(
        "--r2-account-id",
        envvar="R2_ACCOUNT_ID",
        help="Cloudflare account id: the s3:// store is in R2 (region auto); env R2_ACCOUNT_ID.",
    )
    @click.option(
        "--upload-concurrency",
        envvar="R2REPO_UPLOAD_CONCURRENCY",
        type=click.IntRange(1, 256),
        help="Uploads to an s3:// store in flight at once (default 32); env "
        "R2REPO_UPLOAD_CONCURRENCY.",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        store: str,
        endpoint_url: str | None,
        r2_account_id: str | None,
        upload_concurrency: int | None,
        **kwargs: Any,
    ) -> Any:
        if not is_s3(store):
            # AWS_ENDPOINT_URL and R2_ACCOUNT_ID are shared with other tools and mean nothing
            # for a directory; the same values typed on this command line are refused there.
            context = click.get_current_context()
            if context.get_parameter_source("endpoint_url") is ParameterSource.ENVIRONMENT:
                endpoint_url = None
            if context.get_parameter_source("r2_account_id") is ParameterSource.ENVIRONMENT:
                r2_account_id = None
        location = StoreLocation(
            store, endpoint_url or None, r2_account_id or None, concurrency=upload_concurrency
        )
        check_location(location)  # before the command reads or builds anything
        return command(*args, store=location, **kwargs)

    return wrapper


signing_option: Decorator = click.option(
    "--signing-key",
    "signing_keys",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Armored secret key file (signing-key.asc); repeat to sign with several keys. Without "
    "it: the key text in $R2REPO_SIGNING_KEY, else ./.r2repo/keys/signing-key.asc; with neither, "
    "a key is made there for a new repository, and an existing one is refused (its published "
    "keys are what clients trust).",
)


rotate_option: Decorator = click.option(
    "--rotate-key",
    is_flag=True,
    help="Accept a signing key the repository does not publish yet: it is published beside "
    "the old keys (give the old key too, so clients that trust it keep working). Without it, "
    "a key other than the repository's is refused.",
)


def open_signer(signing_keys: Sequence[Path], wait: bool = True) -> Signer:
    """A signer for the CLI's keys. With `wait` false the keys import meanwhile and the caller
    must call `Signer.ready` before it writes anything (publish does, before its commit)."""
    signer = Signer(resolve_signing_keys(signing_keys, say), warn=lambda w: say(f"warning: {w}"))
    if wait:
        signer.ready()
    return signer


def open_trusted_signer(
    store: Store, rpm_roots: Sequence[str], signing_keys: Sequence[Path], rotate: bool
) -> Signer:
    """A signer whose keys the store publishes (or, with `rotate`, will publish beside its
    own); refused before a key is made for a store that has keys already."""
    trust_root = TrustRoot(store, rpm_roots)
    if key_to_make(signing_keys):
        trust_root.refuse_new_key(rotate)
    signer = open_signer(signing_keys)
    try:
        trust_root.check(signer, rotate)
    except BaseException:
        signer.close()
        raise
    return signer


def report(kind: str, where: str, lines: Sequence[str]) -> None:
    """Result lines on stdout: `kind<TAB>where<TAB>what` (one write: 10,000 lines are common)."""
    if lines:
        click.echo("".join(f"{kind}\t{where}\t{line}\n" for line in lines), nl=False)
