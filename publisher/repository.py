"""Is this store an r2repo repository? Checked before anything writes or deletes in it."""

from __future__ import annotations

import json
from itertools import islice

from publisher.errors import R2repoError
from publisher.hashing import digest_bytes
from publisher.stores import Store
from publisher.uploads import Existing, Phase, Upload

MARKER_KEY = "_r2repo/repository.json"
MARKER = json.dumps({"format": 1, "tool": "r2repo"}, sort_keys=True).encode("utf-8") + b"\n"
# What r2repo writes; gc never looks outside these prefixes (plus the root key files).
MANAGED_PREFIXES = ("dists/", "pool/", "_r2repo/")


class NotARepository(R2repoError):
    """The store holds objects, but not an r2repo repository: refuse to write or delete."""


def marker_upload() -> Upload:
    return Upload(
        MARKER_KEY,
        Phase.PACKAGE,
        data=MARKER,
        sha256=digest_bytes(MARKER).sha256,
        existing=Existing.SKIP_SAME,
    )


def is_repository(store: Store) -> bool:
    if store.head(MARKER_KEY) is not None:
        return True
    # Published before the marker existed: a signed dist is proof enough.
    return any(info.key.endswith("/InRelease") for info in store.list("dists/"))


def check_repository(store: Store, *, writing: bool) -> None:
    """Raise NotARepository unless the store is an r2repo repository (or empty, for a publish).

    The first call also tells a missing bucket or bad credentials apart, with the store's error.
    """
    if is_repository(store):
        return
    first = list(islice(store.list(), 1))
    if not first:
        if writing:
            return
        raise NotARepository(f"{store.url}: empty, not an r2repo repository")
    raise NotARepository(
        f"{store.url}: not an r2repo repository (it holds {first[0].key!r} and others but no "
        f"{MARKER_KEY}); refusing to write into it"
        if writing
        else f"{store.url}: not an r2repo repository (no {MARKER_KEY}, no dists/*/InRelease)"
    )
