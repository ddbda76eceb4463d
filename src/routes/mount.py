"""A bucket seen from a prefix: the Worker may serve one folder of a bucket as the repository."""

from __future__ import annotations

from dataclasses import replace

from routes.bucket import Bucket, ByteRange, Conditions, Listing, ObjectMeta, StoredObject


def normalise_root(root: str) -> str:
    """ "" (the whole bucket) or a prefix ending in `/`."""
    cleaned = root.strip().strip("/")
    return cleaned + "/" if cleaned else ""


class PrefixedBucket:
    """Keys go in without the root and come out without it."""

    def __init__(self, bucket: Bucket, root: str) -> None:
        self.bucket = bucket
        self.root = normalise_root(root)

    def _strip(self, meta: ObjectMeta) -> ObjectMeta:
        return replace(meta, key=meta.key[len(self.root) :])

    async def get(
        self, key: str, byte_range: ByteRange | None, conditions: Conditions
    ) -> StoredObject | None:
        stored = await self.bucket.get(self.root + key, byte_range, conditions)
        return None if stored is None else replace(stored, meta=self._strip(stored.meta))

    async def head(self, key: str) -> ObjectMeta | None:
        meta = await self.bucket.head(self.root + key)
        return None if meta is None else self._strip(meta)

    async def list(self, prefix: str, delimiter: str | None, cursor: str | None) -> Listing:
        listing = await self.bucket.list(self.root + prefix, delimiter, cursor)
        cut = len(self.root)
        return Listing(
            [self._strip(meta) for meta in listing.objects],
            [p[cut:] for p in listing.prefixes],
            listing.cursor,
        )

    async def read(self, key: str) -> bytes | None:
        return await self.bucket.read(self.root + key)


def mount(bucket: Bucket, root: str) -> Bucket:
    return PrefixedBucket(bucket, root) if normalise_root(root) else bucket
