"""What an interrupted commit of a dist leaves behind, for the next publish to finish.

A commit writes the plain indexes before InRelease and Release.gpg / Release after it: a
publisher killed in between leaves plain indexes or a Release that do not match InRelease.
apt reads InRelease and fetches indexes by hash, so clients are not affected; clients that read
Release or plain indexes are, until the next publish rewrites them (apt/publish.py does).
"""

from __future__ import annotations

from debian.deb822 import Release

from publisher.apt.paths import dist_prefix
from publisher.apt.state import DistState
from publisher.core.uploads import heads, stored_sha256
from publisher.stores import Store


def unfinished(store: Store, state: DistState) -> list[str]:
    """One line per object that does not match the committed InRelease; empty when none."""
    if not state.exists or state.release is None:
        return []
    prefix = dist_prefix(state.dist)
    found: list[str] = []
    raw = store.get_bytes(prefix + "Release")
    if raw is None or Release(raw.decode("utf-8", "replace")).dump() != state.release.dump():
        found.append(f"{prefix}Release: not the Release signed in InRelease")
    paths = list(state.index_files)
    # All at once: one round trip on a remote store (the plain indexes and per-arch Releases).
    infos = heads(store, [prefix + path for path in paths])
    for path, info in zip(paths, infos, strict=True):
        stored = None if info is None else info.sha256 or stored_sha256(store, prefix + path)
        if stored != state.index_files[path].digests.get("SHA256"):
            found.append(f"{prefix}{path}: not the index InRelease lists")
    return found
