"""Publish to one RPM repository root: apply the change to its state, render, sign, commit."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from publisher.clock import release_time
from publisher.core.checkedplan import CheckedPlan, Plans
from publisher.core.gcrecord import next_record, render_record
from publisher.core.marker import check_repository
from publisher.core.outcome import Outcome
from publisher.core.placement import Placement
from publisher.core.planning import apply_change
from publisher.core.removal import Removal
from publisher.core.retention import keep_newest
from publisher.core.transaction import with_retries
from publisher.core.uploads import Existing, Phase, Reporter, Upload, commit, entry_upload
from publisher.core.workers import PARALLEL_ITEMS, Background
from publisher.errors import ConflictError
from publisher.hashing import digest_bytes
from publisher.signing.gnupg import Signer
from publisher.signing.trustroot import key_uploads
from publisher.signing.verify import SignatureChecker
from publisher.stores import ObjectInfo, Store
from publisher.yum.gcrecord import (
    load_root_record,
    root_references,
    signature_key,
    state_references,
)
from publisher.yum.history import HISTORY_TYPE, entry_maker
from publisher.yum.render import Repodata, RepodataEntry, render_repodata
from publisher.yum.repair import signature_behind
from publisher.yum.repofile import DEFAULT_BASE_URL, DEFAULT_REPO_ID, DEFAULT_ROOT, RepoFile
from publisher.yum.rpmpkg import NEVRA, RpmPackage, describe_nevra, metadata_at, package_href
from publisher.yum.rpmversion import evr_key
from publisher.yum.state import RECORD_TYPE, RpmRootState, nevra_of, read_rpm_root, repomd_key


@dataclass
class RpmChange:
    root: str = DEFAULT_ROOT
    packages: list[RpmPackage] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    keep: int | None = None
    replace: bool = False
    repo_id: str = DEFAULT_REPO_ID
    base_url: str | None = None
    packages_signed: bool = False
    rollback_to: str | None = None  # the history entry this commit restores (r2repo rollback)
    # Entries of another root taken as they are (`r2repo copy`): their files are copied inside
    # the store from the root `copies_from`, never uploaded again.
    copies: list[RepodataEntry] = field(default_factory=list)
    copies_from: str = ""


def spellings(package: RepodataEntry) -> set[str]:
    """What `remove NAME=VERSION` may say: 1.0, 1.0-1 or 2:1.0-1."""
    version, release = package.version, package.release
    spelled = {version, f"{version}-{release}"}
    if package.epoch not in (None, "", "0"):
        spelled.add(f"{package.epoch}:{version}-{release}")
    return spelled


def newest(entries: Mapping[NEVRA, RepodataEntry], keep: int) -> set[NEVRA]:
    """The newest `keep` versions of each name and architecture (RPM order)."""
    kept = keep_newest(
        entries, keep, group=lambda n: (n[0], n[4]), version=lambda n: evr_key((n[1], n[2], n[3]))
    )
    return set(kept)


def stored_repo_file(store: Store, root: str, repo_id: str) -> RepoFile | None:
    """The root's .repo file as the last publish wrote it: what its clients were promised."""
    data = store.get_bytes(f"{root}/{repo_id}.repo")
    return RepoFile.parse(data, repo_id, root) if data else None


def other_bytes(path: object, nevra: NEVRA, root: str) -> ConflictError:
    return ConflictError(
        f"{path}: {describe_nevra(nevra)} is already in {root} "
        "with other bytes (use --replace to replace it)"
    )


class _Planner:
    def __init__(
        self,
        store: Store,
        change: RpmChange,
        placement: Placement,
        state: RpmRootState | None = None,
    ) -> None:
        self.store = store
        self.change = change
        self.placement = placement
        self.state = state if state is not None else read_rpm_root(store, change.root)
        self.result = Outcome()
        self.uploads: list[Upload] = []

    def _place(self, pkg: RpmPackage) -> str:
        key = f"{self.change.root}/{package_href(pkg.metadata.name, pkg.filename)}"
        directory = key.rsplit("/", 1)[0]
        unique_key = f"{directory}/{pkg.sha256[:16]}/{pkg.filename}"
        return self.placement.place(pkg.path, pkg.sha256, key, unique_key, self.change.replace)

    def apply(self) -> dict[NEVRA, RepodataEntry]:
        change = self.change
        entries = apply_change(
            self,
            self.state.packages,
            change.packages,
            change.removals,
            change.keep,
            change.replace,
            self.result,
        )
        self._copy_in(entries)
        return entries

    def _copy_in(self, entries: dict[NEVRA, RepodataEntry]) -> None:
        """Another root's entries; each file is copied from that root inside the store (a
        client resolves hrefs inside the root it reads: zypper cannot leave it)."""
        change = self.change
        for entry in change.copies:
            key = nevra_of(entry)
            old = entries.get(key)
            if old is not None and old.pkgId == entry.pkgId:
                self.result.unchanged.append(describe_nevra(key))
                continue
            source = f"{change.copies_from}/{entry.location_href}"
            if old is not None and not change.replace:
                raise other_bytes(source, key, change.root)
            filename = entry.location_href.rsplit("/", 1)[-1]
            target = f"{change.root}/{package_href(entry.name, filename)}"
            unique = f"{target.rsplit('/', 1)[0]}/{entry.pkgId[:16]}/{filename}"
            target = self.placement.place(Path(source), entry.pkgId, target, unique, change.replace)
            self.uploads.append(
                Upload(
                    target,
                    Phase.STANDALONE,
                    sha256=entry.pkgId,
                    existing=Existing.TOUCH_SAME,
                    absent_when_planned=target in self.placement.absent,
                    file_size=int(entry.size_package),
                    copy_from=source,
                )
            )
            href = target.removeprefix(f"{change.root}/")
            if href != entry.location_href:
                entry = entry.copy()  # the source root's entry stays as it is
                entry.location_href = href
            entries[key] = entry
            self.result.added.append(describe_nevra(key))

    # FormatRules (publisher/core/planning.py)

    @property
    def where(self) -> str:
        return self.change.root

    def key_of(self, package: RpmPackage) -> NEVRA:
        return package.nevra

    def same_bytes(self, entry: RepodataEntry, package: RpmPackage) -> bool:
        return entry.pkgId == package.sha256

    def conflict(self, package: RpmPackage) -> Exception:
        return other_bytes(package.path, package.nevra, self.change.root)

    def add(self, package: RpmPackage) -> RepodataEntry:
        key = self._place(package)
        self.uploads.append(self.placement.upload(key, package.path, package.sha256, package.size))
        return metadata_at(package, key.removeprefix(f"{self.change.root}/"))

    def matches(self, removal: Removal, key: NEVRA, entry: RepodataEntry) -> bool:
        return removal.matches(key[0], spellings(entry), key[4])

    def newest(self, entries: Mapping[NEVRA, RepodataEntry], keep: int) -> set[NEVRA]:
        return newest(entries, keep)

    def describe(self, key: NEVRA) -> str:
        return describe_nevra(key)

    def repo_file(self) -> RepoFile:
        change = self.change
        previous = stored_repo_file(self.store, change.root, change.repo_id)
        base_url = change.base_url or (previous.base_url if previous else None)
        if base_url is None:
            base_url = DEFAULT_BASE_URL
            self.result.notices.append(
                f"{change.root}/{change.repo_id}.repo points at {DEFAULT_BASE_URL}: "
                "pass --base-url with the URL clients use"
            )
        gpgcheck = change.packages_signed or bool(previous and previous.gpgcheck)
        repo_file = RepoFile(change.repo_id, base_url.rstrip("/"), change.root, gpgcheck)
        if previous is not None:
            self.result.changed.extend(repo_file.changes_from(previous))
        return repo_file

    def changed(self, repo_file: RepoFile, signer: Signer) -> bool:
        stored = self.store.get_bytes(repo_file.key)
        if (
            not self.state.exists
            or bool(self.result.added or self.result.removed)
            or stored != repo_file.render()
        ):
            return True
        # A publisher killed between repomd.xml and its signature: sign again.
        with SignatureChecker(signer.public_keys(False)) as checker:
            return signature_behind(self.store, self.state, checker) is not None

    def render(
        self, entries: dict[NEVRA, RepodataEntry], revision: int, now: float
    ) -> Background[Repodata]:
        """repodata/ rendered in a child process while the new packages are written, when
        there are enough of them to pay for the fork; the gc record is read from the store
        first, so the child only computes."""
        root = self.change.root
        old_record = load_root_record(self.store, self.state)
        old_refs = state_references(self.state)
        history = entry_maker(self.state, self.result, now, self.change.rollback_to)

        def record(hrefs: list[str]) -> dict[str, bytes]:
            """The gc record of the new state (see yumgc): the old one plus what is dropped."""
            new_refs = root_references(root, hrefs, (p.location_href for p in entries.values()))
            record = render_record(next_record(old_record, old_refs, new_refs, now))
            return {RECORD_TYPE: record, HISTORY_TYPE: history(hrefs)}

        return Background(
            # The stored XML is split in the child too: it is part of the rendering's work.
            lambda: render_repodata(entries.values(), revision, record, self.state.chunks()),
            fork=len(self.uploads) >= PARALLEL_ITEMS,
        )

    def metadata_uploads(
        self, repodata: Repodata, signer: Signer, signature: ObjectInfo | None
    ) -> list[Upload]:
        """`signature`: repomd.xml.asc as it was before this commit wrote anything."""
        root = self.change.root
        current = {f.href for f in self.state.repodata}
        uploads = [
            Upload(
                f"{root}/{name}",
                Phase.HASHED,
                data=data,
                sha256=digest_bytes(data).sha256,
                existing=Existing.TOUCH_SAME,
                # a name the current repomd.xml does not list is new bytes: create-only first
                absent_when_planned=name not in current,
            )
            for name, data in repodata.files.items()
        ]
        uploads.append(entry_upload(repomd_key(root), repodata.repomd, self.state.repomd_etag))
        # The signature follows repomd.xml conditionally: a slow winner never overwrites the
        # signature of the commit after it.
        etag = None if signature is None else signature.etag
        uploads.append(entry_upload(signature_key(root), signer.detach_sign(repodata.repomd), etag))
        return uploads

    def render_and_commit(
        self,
        entries: dict[NEVRA, RepodataEntry],
        uploads: list[Upload],
        signer: Signer,
        revision: int,
        now: float,
        progress: Reporter | None,
    ) -> Outcome:
        """Commit `uploads` while the metadata of `entries` renders, then the metadata (a
        publish's and a rollback's, publisher/yum/rollback.py)."""
        # Read before the first write, with the other planning reads (see stores/readonce).
        signature = self.store.head(signature_key(self.change.root))
        with self.render(entries, revision, now) as rendering:
            stats = commit(
                self.store,
                uploads,
                progress,
                later=lambda: self.metadata_uploads(rendering.result(), signer, signature),
            )
        self.result.written = stats.written
        return self.result


CheckedRoot = CheckedPlan[_Planner, dict[NEVRA, RepodataEntry]]


def check_rpm_root(
    store: Store, change: RpmChange, state: RpmRootState | None = None
) -> CheckedRoot:
    """Raise what publish_rpm_root would raise for this change, writing nothing (`state`: the
    root as the caller read it just before)."""
    planner = _Planner(store, change, Placement(store), state)
    anchor = repomd_key(change.root)
    return CheckedPlan(change, planner, planner.apply(), anchor, planner.state.repomd_etag)


def publish_rpm_root(
    store: Store,
    change: RpmChange,
    signer: Signer,
    now: Callable[[], float] = release_time,
    progress: Reporter | None = None,
    clock: Callable[[], float] = time.time,
    checked: CheckedRoot | None = None,
) -> Outcome:
    """Apply `change` to the RPM root with compare-and-swap on repomd.xml.

    `now` dates repomd.xml (SOURCE_DATE_EPOCH aware); `clock` dates the gc record; `checked`,
    from check_rpm_root, spares planning again when the root has not changed since.
    """
    check_repository(store, writing=True)
    plans = Plans(store, change, checked, lambda placement: _Planner(store, change, placement))

    def attempt() -> Outcome:
        planner, entries = plans.next()
        repo_file = planner.repo_file()
        if not planner.changed(repo_file, signer):
            return planner.result
        keys = {f"{change.root}/repodata/repomd.xml.key": True, "key.asc": True, "key.gpg": False}
        uploads = key_uploads(store, signer, keys) + planner.uploads
        rendered = repo_file.render()
        if store.get_bytes(repo_file.key) != rendered:  # read once before (see readonce)
            uploads.append(Upload(repo_file.key, Phase.STANDALONE, data=rendered))
        return planner.render_and_commit(entries, uploads, signer, int(now()), clock(), progress)

    return with_retries(attempt, f"RPM repository {change.root}")
