"""Turn the user's --store value (and the S3 endpoint options) into a Store."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from publisher.stores.base import Store, StoreError
from publisher.stores.local import LocalStore


@dataclass(frozen=True)
class StoreLocation:
    """What the command line says about the store: where, and how to reach an S3 endpoint."""

    url: str
    endpoint_url: str | None = None
    r2_account_id: str | None = None
    region: str | None = None
    concurrency: int | None = None  # uploads in flight at once (S3)


S3_SCHEME = "s3://"
# `word:` before any slash reads as a URL scheme: `s3:/pkgs`, `s3:pkgs` and `r2://x` are typos
# of a bucket URL, and opening them as directories would publish into a folder named `s3:`.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def is_s3(url: str) -> bool:
    return url.startswith(S3_SCHEME)


def check_location(location: StoreLocation) -> None:
    """Refuse what cannot be meant: a malformed store URL, an endpoint that is not http(s)://,
    or S3 endpoint options given for a directory (they would be silently ignored)."""
    url = location.url
    if not is_s3(url):
        scheme = _SCHEME.match(url)
        if scheme and scheme.group(0).lower() == "s3:":
            raise StoreError(f"--store {url}: not an S3 location: use s3://BUCKET[/PREFIX]")
        if scheme:
            raise StoreError(
                f"--store {url}: unknown scheme {scheme.group(0)!r}: use s3://BUCKET[/PREFIX] "
                "(R2 too, with --r2-account-id) or a directory (./NAME if its name has a colon)"
            )
        for option, value in (
            ("--endpoint-url", location.endpoint_url),
            ("--r2-account-id", location.r2_account_id),
        ):
            if value:
                raise StoreError(
                    f"{option} {value}: only for an s3:// store; --store {url} is a directory"
                )
        return
    if location.endpoint_url:
        parts = urlsplit(location.endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(
                f"--endpoint-url {location.endpoint_url}: not an http:// or https:// URL "
                "(e.g. http://127.0.0.1:9000)"
            )


def _region(location: StoreLocation) -> str:
    if location.region:
        return location.region
    if location.r2_account_id:
        return "auto"  # R2's only region
    env = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if env:
        return env
    return "auto" if location.endpoint_url else "us-east-1"


def open_store(location: str | StoreLocation) -> Store:
    if isinstance(location, str):
        location = StoreLocation(location)
    check_location(location)
    url = location.url
    if is_s3(url):
        from publisher.stores.s3 import S3Store, r2_endpoint  # botocore loads only when needed

        if location.r2_account_id and location.endpoint_url:
            raise StoreError("give either --r2-account-id or --endpoint-url, not both")
        endpoint = location.endpoint_url
        if location.r2_account_id:
            endpoint = r2_endpoint(location.r2_account_id)
        return S3Store(
            url, endpoint_url=endpoint, region=_region(location), concurrency=location.concurrency
        )
    return LocalStore(url)
