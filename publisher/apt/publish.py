"""Publish to one APT dist: apply additions and removals to its state, render, sign, commit."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from publisher.apt.debpkg import DebPackage
from publisher.apt.gcrecord import dist_references, load_record, record_key
from publisher.apt.history import with_history
from publisher.apt.index import PoolKey, entry_key, make_stanza
from publisher.apt.indexpieces import WHOLE_BELOW, Previous
from publisher.apt.paths import by_hash_key, dist_prefix, packages_path
from publisher.apt.pool import pool_path
from publisher.apt.releasehashes import BY_HASH, RELEASE_HASH_FIELDS, release_digests
from publisher.apt.render import (
    Group,
    IndexFile,
    render_groups,
    render_release,
)
from publisher.apt.repair import unfinished
from publisher.apt.stanza import Stanza
from publisher.apt.state import RECORD_FIELD, DistState, read_dist, read_packages
from publisher.apt.versions import newest
from publisher.clock import release_time
from publisher.core.checkedplan import CheckedPlan, Plans
from publisher.core.gcrecord import next_record, render_record
from publisher.core.marker import check_repository
from publisher.core.outcome import Outcome
from publisher.core.placement import Placement
from publisher.core.planning import apply_change
from publisher.core.removal import Removal
from publisher.core.transaction import with_retries
from publisher.core.uploads import Existing, Phase, Reporter, Upload, commit, entry_upload, heads
from publisher.errors import ConflictError
from publisher.hashing import Digests, digest_bytes
from publisher.signing.gnupg import Signer
from publisher.signing.trustroot import key_uploads
from publisher.stores import Store

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
    # Each dist its own pool directory (pool/.../<source>/<dist>/): the same name, version and
    # architecture may then have other bytes in each dist (a package built per codename).
    pool_per_dist: bool = False
    # Entries of another dist taken as they are (`r2repo copy`): their files are in the pool.
    copies: list[Stanza] = field(default_factory=list)


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
        self.result = Outcome()
        self.uploads: list[Upload] = []
        self.placement = placement

    def _place(self, pkg: DebPackage) -> str:
        control, component = pkg.control, self.change.component
        own = self.change.dist if self.change.pool_per_dist else None
        replaced = pkg.digests.sha256[:16]
        return self.placement.place(
            pkg.path,
            pkg.digests.sha256,
            pool_path(component, control, unique=own),
            pool_path(component, control, unique=f"{own}/{replaced}" if own else replaced),
            self.change.replace,
        )

    def apply(self) -> dict[PoolKey, Stanza]:
        change = self.change
        current = self.state.components.get(change.component, {})
        entries = apply_change(
            self,
            current,
            change.packages,
            change.removals,
            change.keep,
            change.replace,
            self.result,
        )
        self._copy_in(entries)
        return entries

    def _copy_in(self, entries: dict[PoolKey, Stanza]) -> None:
        """Another dist's entries, pointing at the pool files it already references."""
        for stanza in self.change.copies:
            key = entry_key(stanza)
            old = entries.get(key)
            if old is not None and old.get("SHA256") == stanza.get("SHA256"):
                self.result.unchanged.append(describe(key))
                continue
            if old is not None and not self.change.replace:
                raise ConflictError(
                    f"{describe(key)}: already in {self.change.dist}/{self.change.component} "
                    "with other bytes (use --replace to replace it)"
                )
            entries[key] = stanza
            self.result.added.append(describe(key))

    # FormatRules (publisher/core/planning.py)

    @property
    def where(self) -> str:
        return f"{self.change.dist}/{self.change.component}"

    def key_of(self, package: DebPackage) -> PoolKey:
        return package.key

    def same_bytes(self, entry: Stanza, package: DebPackage) -> bool:
        return entry.get("SHA256") == package.digests.sha256

    def conflict(self, package: DebPackage) -> Exception:
        return ConflictError(
            f"{package.path}: {describe(package.key)} is already in {self.where} with other "
            "bytes (use --replace to replace it)"
        )

    def add(self, package: DebPackage) -> Stanza:
        path = self._place(package)
        digests = package.digests
        self.uploads.append(self.placement.upload(path, package.path, digests.sha256, digests.size))
        return make_stanza(package, path)

    def matches(self, removal: Removal, key: PoolKey, entry: Stanza) -> bool:
        return removal.matches(key[0], {key[1]}, key[2])

    def newest(self, entries: Mapping[PoolKey, Stanza], keep: int) -> set[PoolKey]:
        return newest(entries, keep)

    def describe(self, key: PoolKey) -> str:
        return describe(key)

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
            # A publisher killed mid-commit left plain indexes or Release behind: finish it.
            or bool(unfinished(self.store, state))
        )

    def _changed_arches(self, entries: dict[PoolKey, Stanza]) -> set[str]:
        """Architectures whose Packages this change alters ("all" alters every one)."""
        old = self.state.components.get(self.change.component, {})
        changed = {key[2] for key in old.keys() ^ entries.keys()}
        changed |= {key[2] for key, stanza in entries.items() if old.get(key, stanza) is not stanza}
        return changed

    def _stored_index(self, name: str) -> IndexFile | None:
        """An index as the current Release lists it, read by hash; None when it is missing."""
        entry = self.state.index_files.get(name)
        if entry is None or len(entry.digests) != 4:
            return None
        digests = Digests(entry.size, *(entry.digests[f] for f in RELEASE_HASH_FIELDS))
        data = self.store.get_bytes(by_hash_key(self.change.dist, name, entry.digests))
        if data is None or len(data) != entry.size:
            return None
        return IndexFile(name, data, digests)

    def _kept(self, component: str, arch: str) -> list[IndexFile] | None:
        """A component/arch's Packages files as the store holds them by hash, when this change
        leaves its stanzas alone: no rendering, no compressing. None when any is missing."""
        path = packages_path(component, arch)
        kept: list[IndexFile] = []
        for name in (path, path + ".gz", path + ".xz"):
            index = self._stored_index(name)
            if index is None:
                return None
            kept.append(index)
        return kept

    def _previous(self, component: str, arch: str) -> Previous | None:
        """The big Packages this change replaces, whose compressed pieces may be reused."""
        path = packages_path(component, arch)
        entry = self.state.index_files.get(path)
        if entry is None or entry.size < WHOLE_BELOW or BY_HASH.field not in entry.digests:
            return None
        # Parsed already by read_dist: its text is rebuilt rather than read again.
        stanzas = read_packages(self.store, by_hash_key(self.change.dist, path, entry.digests))
        if stanzas is None:
            return None
        gz, xz = (self._stored_index(path + suffix) for suffix in (".gz", ".xz"))
        return Previous(
            text="\n".join(stanza.text for stanza in stanzas).encode("utf-8"),
            gz=None if gz is None else gz.data,
            xz=None if xz is None else xz.data,
        )

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
                same = same and arch in self.state.architectures
                kept = self._kept(component, arch) if same else None
                if kept is not None:
                    groups.append(Group(component, arch, None, kept))
                    continue
                stanzas = [s for key, s in comp_entries.items() if key[2] in (arch, "all")]
                previous = self._previous(component, arch)
                groups.append(Group(component, arch, stanzas, previous=previous))
        return render_groups(fields, groups)

    def index_uploads(self, indexes: list[IndexFile]) -> None:
        prefix = dist_prefix(self.change.dist)
        current = self.state.index_sha256
        for index in indexes:
            sha256 = index.digests.sha256
            # An index the current Release lists is in by-hash/ and cannot be collected before
            # this commit ends: nothing to do. Any other may be an old copy close to collection.
            if current.get(index.path) != sha256:
                self.uploads.append(
                    Upload(
                        by_hash_key(self.change.dist, index.path, release_digests(index.digests)),
                        Phase.HASHED,
                        data=index.data,
                        sha256=sha256,
                        existing=Existing.TOUCH_SAME,
                        # new bytes: mostly absent, so create-only first, no HEAD
                        absent_when_planned=True,
                    )
                )
            unchanged = current.get(index.path) == sha256
            self.uploads.append(
                Upload(
                    prefix + index.path,
                    Phase.INDEX,
                    data=index.data,
                    sha256=sha256,
                    # Bytes the current Release does not list are new: no HEAD to compare.
                    existing=Existing.SKIP_SAME if unchanged else Existing.OVERWRITE,
                )
            )

    def record_upload(
        self, entries: dict[PoolKey, Stanza], indexes: list[IndexFile], now: float
    ) -> str:
        """The gc record of the new state (see gcrecord); returns its sha256 for Release."""
        components = dict(self.state.components)
        components[self.change.component] = entries
        new_files = [s["Filename"] for c in components.values() for s in c.values()]
        return self.record_for(new_files, indexes, now)

    def record_for(self, new_files: list[str], indexes: list[IndexFile], now: float) -> str:
        """The gc record of a state of these pool files and indexes (a rollback's too)."""
        state, dist = self.state, self.change.dist
        old_files = [s["Filename"] for c in state.components.values() for s in c.values()]
        old_refs = dist_references(
            dist,
            {path: entry.digests for path, entry in state.index_files.items()},
            old_files,
            state.record_sha256,
        )
        new_refs = dist_references(
            dist, {i.path: release_digests(i.digests) for i in indexes}, new_files, None
        )
        old = load_record(self.store, dist, state.record_sha256)
        data = render_record(next_record(old, old_refs, new_refs, now))
        sha256 = digest_bytes(data).sha256
        self.uploads.append(
            Upload(
                record_key(dist, sha256),
                Phase.HASHED,
                data=data,
                sha256=sha256,
                existing=Existing.TOUCH_SAME,
                absent_when_planned=True,
            )
        )
        return sha256

    def entry_uploads(self, release: bytes, signer: Signer) -> None:
        """InRelease first, with compare-and-swap; then Release.gpg, then Release.

        Release.gpg before Release: a Release equal to InRelease's text then means both were
        written, which is how the next publish tells a finished commit from an interrupted one.
        Both follow the anchor conditionally (see uploads._Committer._follow).
        """
        prefix = dist_prefix(self.change.dist)
        uploads = [
            entry_upload(prefix + "InRelease", signer.clearsign(release), self.state.inrelease_etag)
        ]
        names = ("Release.gpg", "Release")
        infos = dict(zip(names, heads(self.store, [prefix + name for name in names]), strict=True))
        for name, data in (("Release.gpg", signer.detach_sign(release)), ("Release", release)):
            info = infos[name]
            uploads.append(entry_upload(prefix + name, data, None if info is None else info.etag))
        self.uploads += uploads


CheckedDist = CheckedPlan[_Planner, dict[PoolKey, Stanza]]


def check_dist(store: Store, change: AptChange, placement: Placement | None = None) -> CheckedDist:
    """Raise what publish_dist would raise for this change, writing nothing; `placement` is
    shared by the dists of one command (publisher/ops/dists.py)."""
    planner = _Planner(store, change, placement or Placement(store))
    anchor = dist_prefix(change.dist) + "InRelease"
    return CheckedPlan(change, planner, planner.apply(), anchor, planner.state.inrelease_etag)


def publish_dist(
    store: Store,
    change: AptChange,
    signer: Signer,
    now: Callable[[], float] = release_time,
    progress: Reporter | None = None,
    clock: Callable[[], float] = time.time,
    checked: CheckedDist | None = None,
) -> Outcome:
    """Apply `change` to the dist with compare-and-swap on InRelease; retry when another wins.

    `now` dates the Release (SOURCE_DATE_EPOCH aware); `clock` dates the gc record; `checked`,
    from check_dist, spares planning again when the dist has not changed since.
    """
    check_repository(store, writing=True)
    plans = Plans(store, change, checked, lambda placement: _Planner(store, change, placement))

    def attempt() -> Outcome:
        planner, entries = plans.next()
        fields = planner.release_fields()
        arches = planner.architectures(entries)
        if not planner.needs_commit(fields, arches):
            return planner.result
        date = now()
        root_keys = {"key.asc": True, "key.gpg": False}
        # The packages (and keys) planned so far; the metadata comes from `metadata`, which the
        # commit calls while those upload.
        uploads = key_uploads(store, signer, root_keys) + planner.uploads
        planner.uploads = []

        def metadata() -> list[Upload]:
            indexes = planner.render(entries, fields, arches)
            components = set(planner.state.components) | {change.component}
            record_sha256 = planner.record_upload(entries, indexes, clock())
            release, entry = with_history(  # the history entry of this commit (apt/history.py)
                planner.state,
                planner.result,
                clock(),
                lambda extra: render_release(fields, arches, components, indexes, date, extra),
                {RECORD_FIELD: record_sha256},
            )
            planner.uploads.append(entry)
            planner.index_uploads(indexes)
            planner.entry_uploads(release, signer)
            return planner.uploads

        planner.result.written = commit(store, uploads, progress, later=metadata).written
        return planner.result

    return with_retries(attempt, f"dist {change.dist}")
