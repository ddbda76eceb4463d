"""Content-Type and Cache-Control by object key. No dependencies: the publisher uses them too."""

from __future__ import annotations

import re

IMMUTABLE = "public, max-age=31536000, immutable"
DEFAULT_CACHE = "public, max-age=300"
TEXT = "text/plain; charset=utf-8"
OCTETS = "application/octet-stream"
PGP_KEYS = "application/pgp-keys"
PGP_SIGNATURE = "application/pgp-signature"

_BY_SUFFIX = {
    ".deb": "application/vnd.debian.binary-package",
    ".udeb": "application/vnd.debian.binary-package",
    ".ddeb": "application/vnd.debian.binary-package",
    ".rpm": "application/x-rpm",
    ".gz": "application/gzip",
    ".xz": "application/x-xz",
    ".zst": "application/zstd",
    ".bz2": "application/x-bzip2",
    ".lzma": "application/x-lzma",
    ".xml": "application/xml",
    ".json": "application/json",
    ".key": PGP_KEYS,
    ".repo": TEXT,
    ".txt": TEXT,
    ".dsc": TEXT,
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".sh": TEXT,
}
# Plain indexes and entry points without an extension.
_TEXT_NAMES = frozenset({"InRelease", "Release", "Packages", "Sources", "Index"})
_TEXT_PREFIXES = ("Translation-", "Contents-")
# Names whose indexes change in place: short TTL with revalidation.
_ENTRY_NAMES = frozenset({"InRelease", "Release", "Release.gpg"})
_ENTRY_PREFIXES = ("Packages", "Sources", "repomd.xml", "Translation-", "Contents-", "Index")
_IMMUTABLE_SUFFIXES = (".deb", ".udeb", ".ddeb", ".rpm")
_HASHED_REPODATA = re.compile(r"(?:^|/)repodata/[0-9a-f]{40,128}-[^/]+$")


def _name(key: str) -> str:
    return key[key.rfind("/") + 1 :]


def content_type_for(key: str) -> str:
    """The Content-Type of the object at `key`."""
    name = _name(key)
    if name in _TEXT_NAMES or name.startswith(_TEXT_PREFIXES):
        return TEXT
    dot = name.rfind(".")
    if dot <= 0:
        return OCTETS
    suffix = name[dot:].lower()
    if suffix == ".asc":
        stem = name[:dot].lower()
        return PGP_KEYS if stem.endswith(("key", "keys", "keyring")) else PGP_SIGNATURE
    if suffix == ".gpg":
        return PGP_SIGNATURE if name == "Release.gpg" else PGP_KEYS
    return _BY_SUFFIX.get(suffix, OCTETS)


def _has_segment(key: str, segment: str) -> bool:
    return key.startswith(segment + "/") or f"/{segment}/" in key


def is_immutable(key: str) -> bool:
    """Whether the bytes at `key` never change: content-addressed or versioned (pool) files."""
    return (
        key.endswith(_IMMUTABLE_SUFFIXES)
        or _has_segment(key, "pool")
        or _has_segment(key, "by-hash")
        or ("repodata/" in key and _HASHED_REPODATA.search(key) is not None)
    )


def cache_control_for(key: str, entry_ttl: int = 60) -> str:
    """Immutable for content-addressed or versioned files, short for entry points and indexes."""
    if is_immutable(key):
        return IMMUTABLE
    name = _name(key)
    if name in _ENTRY_NAMES or name.startswith(_ENTRY_PREFIXES):
        return f"public, max-age={entry_ttl}, must-revalidate"
    return DEFAULT_CACHE
