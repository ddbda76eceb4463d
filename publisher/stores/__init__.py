"""Where a repository lives: one Store protocol, one module per backend."""

from publisher.stores.base import ObjectInfo, PreconditionFailed, Store, StoreError
from publisher.stores.open import open_store

__all__ = ["ObjectInfo", "PreconditionFailed", "Store", "StoreError", "open_store"]
