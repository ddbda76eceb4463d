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


def release_digests(digests: Digests) -> dict[str, str]:
    """The digests keyed by the names Release files and by-hash/ directories use."""
    return {h.field: getattr(digests, h.attribute) for h in RELEASE_HASHES}
