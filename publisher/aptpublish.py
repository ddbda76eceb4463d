"""Publish to one APT dist: apply additions and removals to its state, render, sign, commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from publisher.aptindex import PoolKey, entry_key, make_stanza, newest, pool_path
from publisher.aptrender import Group, IndexFile, render_groups, render_release
from publisher.aptstanza import Stanza
from publisher.aptstate import DistState, by_hash_path, dist_prefix, packages_path, read_dist
from publisher.clock import release_time
from publisher.debpkg import DebPackage
from publisher.errors import ConflictError, R2repoError
from publisher.hashing import Digests
from publisher.outcome import Outcome
from publisher.placement import Placement
from publisher.removal import Removal
from publisher.repokeys import key_uploads
from publisher.signing import Signer
from publisher.stores import Store
from publisher.transaction import with_retries
from publisher.uploads import Phase, Upload, commit

DEFAULT_ARCHITECTURES = ("amd64", "arm64")


@dataclass
class AptChange:
    dist: str
    component: str = "main"
    packages: list[DebPackage] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    keep: int | None = None
    replace: bool = False
    release_fields: dict[str, str] = field(default_factory=dict)
    architectures: set[str] = field(default_factory=set)


AptResult = Outcome


def describe(key: PoolKey) -> str:
    return "{} {} {}".format(*key)


def default_release_fields(dist: str) -> dict[str, str]:
    return {
        "Origin": "r2repo",
        "Label": "r2repo",
        "Suite": dist,
        "Codename": dist,
        "Description": f"{dist} packages published by r2repo",
    }


class _Planner:
    """One attempt: the state read at the start, the change applied to it, the objects to write."""

    def __init__(self, store: Store, change: AptChange, placement: Placement) -> None:
        self.store = store
        self.change = change
        self.state: DistState = read_dist(store, change.dist)
        self.result = AptResult()
        self.uploads: list[Upload] = []
        self.placement = placement

    def _place(self, pkg: DebPackage) -> str:
        control, component = pkg.control, self.change.component
        return self.placement.place(
            pkg.path,
            pkg.digests.sha256,
            pool_path(component, control),
            pool_path(component, control, unique=pkg.digests.sha256[:16]),
            self.change.replace,
        )

    def apply(self) -> dict[PoolKey, Stanza]:
        change = self.change
        entries = dict(self.state.components.get(change.component, {}))
        for pkg in change.packages:
            old = entries.get(pkg.key)
            if old is not None and old.get("SHA256") == pkg.digests.sha256:
                self.result.unchanged.append(describe(pkg.key))
                continue
            if old is not None and not change.replace:
                raise ConflictError(
                    f"{pkg.path}: {describe(pkg.key)} is already in {change.dist}/"
                    f"{change.component} with other bytes (use --replace to replace it)"
                )
            path = self._place(pkg)
            entries[pkg.key] = make_stanza(pkg, path)
            self.uploads.append(Upload(path, Phase.PACKAGE, path=pkg.path, skip_if_present=True))
            self.result.added.append(describe(pkg.key))
        for removal in change.removals:
            matched = [key for key in entries if removal.matches(key[0], {key[1]}, key[2])]
            if not matched:
                raise R2repoError(f"{removal}: not in {change.dist}/{change.component}")
            for key in matched:
                del entries[key]
                self.result.removed.append(describe(key))
        if change.keep is not None:
            kept = {entry_key(stanza) for stanza in newest(entries.values(), change.keep)}
            for key in sorted(set(entries) - kept):
                del entries[key]
                self.result.removed.append(describe(key))
        return entries

    def architectures(self, entries: dict[PoolKey, Stanza]) -> set[str]:
        arches = set(self.state.architectures) | self.change.architectures
        arches |= {arch for (_, _, arch) in entries if arch != "all"}
        return arches or set(DEFAULT_ARCHITECTURES)

    def release_fields(self) -> dict[str, str]:
        fields = default_release_fields(self.change.dist)
        fields.update(self.state.release_fields)
        fields.update(self.change.release_fields)
        return fields

    def needs_commit(self, fields: dict[str, str], arches: set[str]) -> bool:
        state = self.state
        return (
            not state.exists
            or bool(self.result.added or self.result.removed)
            or self.change.component not in state.components
            or fields != {**default_release_fields(self.change.dist), **state.release_fields}
            or arches != state.architectures
        )

    def _changed_arches(self, entries: dict[PoolKey, Stanza]) -> set[str]:
        """Architectures whose Packages this change alters ("all" alters every one)."""
        old = self.state.components.get(self.change.component, {})
        changed = {key[2] for key in old.keys() ^ entries.keys()}
        changed |= {key[2] for key, stanza in entries.items() if old.get(key, stanza) is not stanza}
        return changed

    def _kept(self, component: str, arch: str) -> dict[str, Digests] | None:
        """The digests of a component/arch's current Packages files, if all are in the store."""
        path = packages_path(component, arch)
        names = (path, path + ".gz", path + ".xz")
        listed = self.state.index_digests
        if not all(name in listed for name in names):
            return None
        prefix = dist_prefix(self.change.dist)
        for name in names:
            if self.store.head(prefix + by_hash_path(name, "SHA256", listed[name].sha256)) is None:
                return None
        return {name: listed[name] for name in names}

    def render(
        self, entries: dict[PoolKey, Stanza], fields: dict[str, str], arches: set[str]
    ) -> list[IndexFile]:
        components = dict(self.state.components)
        components[self.change.component] = entries
        changed = self._changed_arches(entries)
        groups: list[Group] = []
        for component, comp_entries in sorted(components.items()):
            for arch in sorted(arches):
                same = component != self.change.component or not (changed & {arch, "all"})
                kept = (
                    self._kept(component, arch)
                    if same and arch in self.state.architectures
                    else None
                )
                if kept is not None:
                    groups.append(Group(component, arch, None, kept))
                    continue
                stanzas = [s for key, s in comp_entries.items() if key[2] in (arch, "all")]
                groups.append(Group(component, arch, stanzas))
        return render_groups(fields, groups)

    def index_uploads(self, indexes: list[IndexFile]) -> None:
        prefix = dist_prefix(self.change.dist)
        for index in indexes:
            if index.data is None:
                continue  # left as it was: its by-hash copies are in the store already
            for hash_name, digest in index.digests.by_release_name().items():
                key = prefix + by_hash_path(index.path, hash_name, digest)
                self.uploads.append(
                    Upload(key, Phase.HASHED, data=index.data, skip_if_present=True)
                )
            if self.state.index_sha256.get(index.path) != index.digests.sha256:
                self.uploads.append(Upload(prefix + index.path, Phase.INDEX, data=index.data))

    def entry_uploads(self, release: bytes, signer: Signer) -> None:
        prefix = dist_prefix(self.change.dist)
        etag = self.state.inrelease_etag
        self.uploads += [
            Upload(
                prefix + "InRelease",
                Phase.ENTRY,
                data=signer.clearsign(release),
                if_match=etag,
                if_none_match=etag is None,
            ),
            Upload(prefix + "Release", Phase.ENTRY, data=release),
            Upload(prefix + "Release.gpg", Phase.ENTRY, data=signer.detach_sign(release)),
        ]


def check_dist(store: Store, change: AptChange) -> None:
    """Raise what publish_dist would raise for this change, writing nothing."""
    _Planner(store, change, Placement(store)).apply()


def publish_dist(
    store: Store,
    change: AptChange,
    signer: Signer,
    now: Callable[[], float] = release_time,
    progress: Callable[[Upload], None] = lambda upload: None,
) -> AptResult:
    """Apply `change` to the dist with compare-and-swap on InRelease; retry when another wins."""
    placement = Placement(store)

    def attempt() -> AptResult:
        planner = _Planner(store, change, placement)
        entries = planner.apply()
        fields = planner.release_fields()
        arches = planner.architectures(entries)
        if not planner.needs_commit(fields, arches):
            return planner.result
        indexes = planner.render(entries, fields, arches)
        components = set(planner.state.components) | {change.component}
        release = render_release(fields, arches, components, indexes, now())
        planner.index_uploads(indexes)
        planner.entry_uploads(release, signer)
        root_keys = {"key.asc": True, "key.gpg": False}
        uploads = key_uploads(store, signer, root_keys) + planner.uploads
        planner.result.written = commit(store, uploads, progress)
        return planner.result

    return with_retries(attempt, f"dist {change.dist}")
