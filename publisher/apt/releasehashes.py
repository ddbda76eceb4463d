"""The checksums a Release lists for each index: one table for rendering, reading, by-hash paths
and verify (Debian's repository format names the same hash three ways)."""

from __future__ import annotations

from dataclasses import dataclass

from publisher.hashing import Digests


@dataclass(frozen=True, slots=True)
class ReleaseHash:
    field: str  # the Release field and the by-hash/ directory: "MD5Sum"
    column: str  # python-debian's key for it inside a Release entry: "md5sum"
    attribute: str  # the Digests attribute and hashlib's name: "md5"


RELEASE_HASHES = (
    ReleaseHash("MD5Sum", "md5sum", "md5"),
    ReleaseHash("SHA1", "sha1", "sha1"),
    ReleaseHash("SHA256", "sha256", "sha256"),
    ReleaseHash("SHA512", "sha512", "sha512"),
)
RELEASE_HASH_FIELDS = tuple(h.field for h in RELEASE_HASHES)

# apt fetches an index by hash under the strongest hash its Release lists (SHA512 before SHA256,
# SHA1, MD5Sum), so one by-hash copy serves every apt since 1.1; copies under the three weaker
# names were never fetched and cost three uploads of each index (a Packages of 10,000 packages
# is several MB). r2repo reads its own state through the same copy.
BY_HASH = RELEASE_HASHES[-1]


def release_digests(digests: Digests) -> dict[str, str]:
    """The digests keyed by the names Release files and by-hash/ directories use."""
    return {h.field: getattr(digests, h.attribute) for h in RELEASE_HASHES}
