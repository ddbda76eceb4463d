"""Is this store an r2repo repository? Checked before anything writes or deletes in it."""

from __future__ import annotations

import contextlib
import json
from itertools import islice

from publisher.core.statekeys import COLLECTABLE_PREFIXES, MARKER_KEY
from publisher.errors import R2repoError
from publisher.stores import PreconditionFailed, Store
from publisher.stores.readonce import fresh

MARKER = json.dumps({"format": 1, "tool": "r2repo"}, sort_keys=True).encode("utf-8") + b"\n"
# What gc looks at (plus each RPM root's repodata/ and Packages/): never the rest of `_r2repo/`,
# which is state (publisher/core/statekeys.py), nor objects of others.
MANAGED_PREFIXES = ("dists/", "pool/", *COLLECTABLE_PREFIXES)


class NotARepository(R2repoError):
    """The store holds objects, but not an r2repo repository: refuse to write or delete."""


def _ensure_marker(store: Store) -> None:
    """Written alone, before anything else of a publish: whoever sees an object sees it too."""
    if store.head(MARKER_KEY) is None:
        with contextlib.suppress(PreconditionFailed):
            store.put_bytes(MARKER_KEY, MARKER, if_none_match=True)


def check_repository(store: Store, *, writing: bool) -> None:
    """Raise NotARepository unless the store holds the marker (or is empty, for a publish).

    Only the marker counts: a `dists/*/InRelease` is no proof, or gc and remove would act on a
    reprepro or aptly tree that merely has a signed dist. Every r2repo release writes the marker,
    so there is no unmarked r2repo repository to adopt.

    A publish marks the store first. The listing comes before the second look for the marker: a
    concurrent publisher whose objects the listing shows has already written it.
    """
    if store.head(MARKER_KEY) is None:
        first = list(islice(store.list(), 1))
        # Fresh: the concurrent publisher the listing shows wrote the marker after our first look.
        if first and fresh(store).head(MARKER_KEY) is None:
            raise NotARepository(
                f"{store.url}: not an r2repo repository (it holds {first[0].key!r} and maybe "
                f"more, but no {MARKER_KEY}); refusing to "
                + ("write into it" if writing else "work on it")
            )
        if not first and not writing:
            raise NotARepository(f"{store.url}: empty, not an r2repo repository")
    if writing:
        _ensure_marker(store)


def check_not_empty(store: Store) -> None:
    """For commands that only read: a store holding nothing at all is most often a mistyped
    --store, and printing nothing with exit 0 would hide that."""
    if not any(islice(store.list(), 1)):
        raise NotARepository(f"{store.url}: holds nothing, no repository there (check --store)")
