"""The current state of a dist, read back from its published Release and Packages files."""

from __future__ import annotations

from dataclasses import dataclass, field

from debian.deb822 import Release

from publisher.apt.gcrecord import record_key
from publisher.apt.index import PoolKey, entry_key
from publisher.apt.paths import by_hash_key, dist_prefix, packages_path
from publisher.apt.releasehashes import BY_HASH, RELEASE_HASHES
from publisher.apt.stanza import Stanza, split_stanzas
from publisher.stores import Store
from publisher.stores.readonce import read_ahead

PACKAGES_NAMES = ("Packages", "Packages.gz", "Packages.xz")
RELEASE_FIELDS = ("Origin", "Label", "Suite", "Codename", "Description")
# The Release field naming the dist's garbage-collection record (see publisher/apt/gcrecord.py).
# apt ignores fields it does not know; signing it makes the record part of the atomic commit.
RECORD_FIELD = "X-R2repo-Unreferenced"


@dataclass(frozen=True)
class IndexEntry:
    """One index as Release lists it: its size and its digest by Release hash field."""

    size: int
    digests: dict[str, str]


@dataclass
class DistState:
    dist: str
    release_fields: dict[str, str] = field(default_factory=dict)
    architectures: set[str] = field(default_factory=set)
    # component -> (Package, Version, Architecture) -> its Packages stanza
    components: dict[str, dict[PoolKey, Stanza]] = field(default_factory=dict)
    # path under dists/<dist>/ -> its size and digests, as the current Release lists them
    index_files: dict[str, IndexEntry] = field(default_factory=dict)
    # InRelease is what clients read, so it is the state and the compare-and-swap anchor.
    inrelease_etag: str | None = None
    release: Release | None = None  # the signed text of InRelease, parsed
    record_sha256: str | None = None  # RECORD_FIELD of the current Release
    # Packages indexes the Release lists but the store does not hold by hash (a damaged store).
    missing: list[str] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return self.inrelease_etag is not None

    @property
    def index_sha256(self) -> dict[str, str]:
        return {path: entry.digests["SHA256"] for path, entry in self.index_files.items()}


def release_indexes(release: Release) -> dict[str, IndexEntry]:
    """Every index a Release lists, with all the digests it gives for each."""
    sizes: dict[str, int] = {}
    digests: dict[str, dict[str, str]] = {}
    for hash_ in RELEASE_HASHES:
        for entry in release.get(hash_.field, []):
            sizes[entry["name"]] = int(entry["size"])
            digests.setdefault(entry["name"], {})[hash_.field] = entry[hash_.column]
    return {
        path: IndexEntry(sizes[path], digests[path]) for path in sorted(digests) if path in sizes
    }


# A by-hash object never changes, so its stanzas can be reused: a publish checks its change
# and then applies it, reading the same dist twice. Only the last few indexes are kept.
_PARSED: dict[tuple[int, str], list[Stanza]] = {}
_PARSED_KEEP = 8


def read_packages(store: Store, key: str) -> list[Stanza] | None:
    """The stanzas of a Packages file, or None when the store does not hold it."""
    cached = _PARSED.get((id(store), key))
    if cached is not None:
        return cached
    text = store.get_bytes(key)
    if text is None:
        return None
    stanzas = list(split_stanzas(text.decode("utf-8")))
    if len(_PARSED) >= _PARSED_KEEP:
        del _PARSED[next(iter(_PARSED))]
    _PARSED[(id(store), key)] = stanzas
    return stanzas


def _planning_reads(state: DistState) -> list[str]:
    """What planning reads after InRelease, in one batch: every Packages index by hash (a kept
    architecture reuses its .gz and .xz as they are) and the gc record."""
    keys = [
        by_hash_key(state.dist, path, entry.digests)
        for path, entry in state.index_files.items()
        if path.rsplit("/", 1)[-1] in PACKAGES_NAMES and BY_HASH.field in entry.digests
    ]
    if state.record_sha256:
        keys.append(record_key(state.dist, state.record_sha256))
    return keys


def read_dist(store: Store, dist: str) -> DistState:
    """Read a dist from the store; an absent dist is an empty state."""
    state = DistState(dist=dist)
    prefix = dist_prefix(dist)
    found = store.get_with_info(prefix + "InRelease")
    if found is None:
        return state
    raw, info = found
    state.inrelease_etag = info.etag
    release = Release(raw.decode("utf-8"))  # python-debian strips the clear-signature armor
    state.release_fields = {k: release[k] for k in RELEASE_FIELDS if k in release}
    state.architectures = set(release.get("Architectures", "").split())
    state.release = release
    state.record_sha256 = release.get(RECORD_FIELD)
    state.index_files = release_indexes(release)
    read_ahead(store, _planning_reads(state))
    for component in release.get("Components", "").split():
        entries: dict[PoolKey, Stanza] = {}
        for arch in sorted(state.architectures):
            path = packages_path(component, arch)
            listed = state.index_files.get(path)
            if listed is None or BY_HASH.field not in listed.digests:
                continue
            # By hash: a plain Packages may already hold a concurrent publisher's uncommitted work.
            key = by_hash_key(dist, path, listed.digests)
            stanzas = read_packages(store, key)
            if stanzas is None:
                state.missing.append(key)
                continue
            for stanza in stanzas:
                entries.setdefault(entry_key(stanza), stanza)
        state.components[component] = entries
    return state
