"""Turn the user's --store value into a Store."""

from __future__ import annotations

from publisher.stores.base import Store, StoreError
from publisher.stores.local import LocalStore


def open_store(location: str) -> Store:
    if location.startswith("s3://"):
        raise StoreError(f"{location}: the S3/R2 store is not available in this version")
    if "://" in location:
        raise StoreError(f"{location}: unknown store scheme (use a directory path or s3://BUCKET)")
    return LocalStore(location)
