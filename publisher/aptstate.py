"""The current state of a dist, read back from its published Release and Packages files."""

from __future__ import annotations

from dataclasses import dataclass, field

from debian.deb822 import Release

from publisher.aptindex import PoolKey, entry_key
from publisher.aptstanza import Stanza, split_stanzas
from publisher.hashing import Digests
from publisher.stores import Store

RELEASE_FIELDS = ("Origin", "Label", "Suite", "Codename", "Description")


@dataclass
class DistState:
    dist: str
    release_fields: dict[str, str] = field(default_factory=dict)
    architectures: set[str] = field(default_factory=set)
    # component -> (Package, Version, Architecture) -> its Packages stanza
    components: dict[str, dict[PoolKey, Stanza]] = field(default_factory=dict)
    # path under dists/<dist>/ -> SHA256, as the current Release lists them
    index_sha256: dict[str, str] = field(default_factory=dict)
    # path under dists/<dist>/ -> every checksum and the size the current Release lists
    index_digests: dict[str, Digests] = field(default_factory=dict)
    # InRelease is what clients read, so it is the state and the compare-and-swap anchor.
    inrelease_etag: str | None = None

    @property
    def exists(self) -> bool:
        return self.inrelease_etag is not None


def dist_prefix(dist: str) -> str:
    return f"dists/{dist}/"


def packages_path(component: str, arch: str) -> str:
    return f"{component}/binary-{arch}/Packages"


def by_hash_path(index_path: str, hash_name: str, digest: str) -> str:
    return f"{index_path.rsplit('/', 1)[0]}/by-hash/{hash_name}/{digest}"


# A by-hash object never changes, so its stanzas can be reused: a publish checks its change
# and then applies it, reading the same dist twice. Only the last few indexes are kept.
_PARSED: dict[tuple[int, str], list[Stanza]] = {}
_PARSED_KEEP = 8


def _read_packages(store: Store, key: str) -> list[Stanza]:
    cached = _PARSED.get((id(store), key))
    if cached is not None:
        return cached
    text = store.get_bytes(key)
    stanzas = list(split_stanzas(text.decode("utf-8"))) if text else []
    if len(_PARSED) >= _PARSED_KEEP:
        del _PARSED[next(iter(_PARSED))]
    if text:
        _PARSED[(id(store), key)] = stanzas
    return stanzas


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
    state.index_sha256 = {entry["name"]: entry["sha256"] for entry in release.get("SHA256", [])}
    state.index_digests = _listed_digests(release)
    for component in release.get("Components", "").split():
        entries: dict[PoolKey, Stanza] = {}
        for arch in sorted(state.architectures):
            path = packages_path(component, arch)
            if path not in state.index_sha256:
                continue
            # By hash: a plain Packages may already hold a concurrent publisher's uncommitted work.
            key = prefix + by_hash_path(path, "SHA256", state.index_sha256[path])
            for stanza in _read_packages(store, key):
                entries.setdefault(entry_key(stanza), stanza)
        state.components[component] = entries
    return state


def _listed_digests(release: Release) -> dict[str, Digests]:
    """What Release says of each index, for indexes a publish leaves as they are."""
    listed: dict[str, dict[str, str]] = {}
    for name, key in (
        ("MD5Sum", "md5sum"),
        ("SHA1", "sha1"),
        ("SHA256", "sha256"),
        ("SHA512", "sha512"),
    ):
        for entry in release.get(name, []):
            record = listed.setdefault(entry["name"], {"size": entry["size"]})
            record[key] = entry[key]
    return {
        name: Digests(int(r["size"]), r["md5sum"], r["sha1"], r["sha256"], r["sha512"])
        for name, r in listed.items()
        if len(r) == 5
    }
