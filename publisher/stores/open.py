"""Turn the user's --store value (and the S3 endpoint options) into a Store."""

from __future__ import annotations

import os
from dataclasses import dataclass

from publisher.stores.base import Store, StoreError
from publisher.stores.local import LocalStore


@dataclass(frozen=True)
class StoreLocation:
    """What the command line says about the store: where, and how to reach an S3 endpoint."""

    url: str
    endpoint_url: str | None = None
    r2_account_id: str | None = None
    region: str | None = None


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
    url = location.url
    if url.startswith("s3://"):
        from publisher.stores.s3 import S3Store, r2_endpoint  # boto3 loads only when needed

        if location.r2_account_id and location.endpoint_url:
            raise StoreError("give either --r2-account-id or --endpoint-url, not both")
        endpoint = location.endpoint_url
        if location.r2_account_id:
            endpoint = r2_endpoint(location.r2_account_id)
        return S3Store(url, endpoint_url=endpoint, region=_region(location))
    if "://" in url:
        raise StoreError(f"{url}: unknown store scheme (use a directory path or s3://BUCKET)")
    return LocalStore(url)
