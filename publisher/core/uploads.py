"""The commit order every publish follows, so a client never sees a broken repository.

Phases are barriers: nothing of a phase starts before the previous phase is entirely in the
store. Within a phase uploads run in parallel on a bounded pool (the store's client is shared),
except the entry points, which go one by one in the order given: the first conditional one is
the compare-and-swap anchor of the commit (InRelease, repomd.xml).
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum, IntEnum
from pathlib import Path
from typing import Protocol

from publisher.errors import ConflictError, KeyTakenError
from publisher.hashing import sha256_stream
from publisher.stores import ObjectInfo, PreconditionFailed, Store
from publisher.stores.readonce import held

# Test hook: a publisher that finds this variable set kills itself with SIGKILL right after its
# Nth write (PUT or refresh) reached the store, to test that a crash at any point of the commit
# leaves a valid repository. Never set outside tests.
KILL_AFTER_WRITES_ENV = "R2REPO_TEST_KILL_AFTER_WRITES"
FOLLOWER_ATTEMPTS = 10
WRITE_CONNECTIONS = 20  # opened ahead of the writes of a commit on a remote store


class Phase(IntEnum):
    # Objects that stand alone: package files (no index names them yet), the public keys and
    # the .repo file (no index ever does).
    STANDALONE = 0
    HASHED = 1  # content-addressed indexes: by-hash/, repodata/<hash>-*, _r2repo/ state
    INDEX = 2  # plain indexes, for clients that do not fetch by hash
    ENTRY = 3  # signed entry points, in the order given, the compare-and-swap first


class Existing(Enum):
    """What to do when the key already holds an object."""

    OVERWRITE = "overwrite"  # always write (entry points)
    SKIP_SAME = "skip-same"  # same bytes there: nothing to do (plain indexes, keys)
    # Same bytes there: do not send them again, but refresh the object's time, so that garbage
    # collection (which deletes what has been unreferenced for a grace period) keeps it.
    TOUCH_SAME = "touch-same"


@dataclass(frozen=True)
class Upload:
    key: str
    phase: Phase
    data: bytes | None = None
    path: Path | None = None
    sha256: str | None = None  # of the bytes; decides whether the store already has them
    existing: Existing = Existing.OVERWRITE
    if_match: str | None = None
    if_none_match: bool = False
    absent_when_planned: bool = False  # nothing was at `key` then: skip the first HEAD
    file_size: int = 0  # of `path`, known when it was read (no stat per commit or report)
    # The store key whose bytes these are: copied inside the store, never sent (r2repo copy)
    copy_from: str | None = None

    @property
    def conditional(self) -> bool:
        return self.if_match is not None or self.if_none_match

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.file_size


def entry_upload(key: str, data: bytes, etag: str | None) -> Upload:
    """An entry point written only over the version read at the start (`etag`), or only where
    nothing was (None): the anchor's compare-and-swap, and each follower after it (see
    `_Committer._follow`)."""
    return Upload(key, Phase.ENTRY, data=data, if_match=etag, if_none_match=etag is None)


def package_upload(
    key: str, source: Path, sha256: str, size: int, *, absent: bool = False
) -> Upload:
    """A package file: same bytes already there are refreshed, not sent again (see gc)."""
    return Upload(
        key,
        Phase.STANDALONE,
        path=source,
        sha256=sha256,
        existing=Existing.TOUCH_SAME,
        absent_when_planned=absent,
        file_size=size,
    )


class Action(Enum):
    PUT = "put"
    TOUCH = "touch"
    SKIP = "skip"


class Reporter(Protocol):
    """Progress of a commit: told the plan once, then each upload as it completes."""

    def begin(self, uploads: Sequence[Upload]) -> None: ...

    def more(self, uploads: Sequence[Upload]) -> None: ...

    def done(self, upload: Upload, action: Action) -> None: ...

    def end(self) -> None: ...


class SilentReporter:
    def begin(self, uploads: Sequence[Upload]) -> None:
        pass

    def more(self, uploads: Sequence[Upload]) -> None:
        pass

    def done(self, upload: Upload, action: Action) -> None:
        pass

    def end(self) -> None:
        pass


@dataclass
class CommitStats:
    put: int = 0
    touched: int = 0

    @property
    def written(self) -> int:
        return self.put + self.touched


def stored_sha256(store: Store, key: str) -> str | None:
    """The SHA-256 of the object at `key`: recorded by the store if it keeps one, else hashed."""
    info = store.head(key)
    if info is None:
        return None
    if info.sha256:
        return info.sha256
    try:
        with store.open_read(key) as stream:
            return sha256_stream(stream)
    except FileNotFoundError:
        return None


def heads(store: Store, keys: Sequence[str]) -> list[ObjectInfo | None]:
    """HEADs of several keys at once: one round trip on a remote store, not one each."""
    if len(keys) <= 1 or store.upload_workers <= 1:
        return [store.head(key) for key in keys]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(keys)) as pool:
        return list(pool.map(store.head, keys))


class _KillSwitch:
    """The test hook behind KILL_AFTER_WRITES_ENV."""

    def __init__(self) -> None:
        value = os.environ.get(KILL_AFTER_WRITES_ENV, "").strip()
        self.limit = int(value) if value.isdigit() else None
        self.count = 0
        self.lock = threading.Lock()

    def wrote(self) -> None:
        if self.limit is None:
            return
        with self.lock:
            self.count += 1
            if self.count >= self.limit:
                os.kill(os.getpid(), signal.SIGKILL)


class _Committer:
    def __init__(self, store: Store, reporter: Reporter, workers: int) -> None:
        self.store = store
        self.reporter = reporter
        self.workers = workers
        self.stats = CommitStats()
        self.lock = threading.Lock()
        self.kill = _KillSwitch()

    def _count(self, upload: Upload, action: Action) -> None:
        with self.lock:
            if action is Action.PUT:
                self.stats.put += 1
            elif action is Action.TOUCH:
                self.stats.touched += 1
        if action is not Action.SKIP:
            self.kill.wrote()
        self.reporter.done(upload, action)

    def _put(self, upload: Upload, if_match: str | None, if_none_match: bool) -> str:
        if upload.copy_from is not None:
            info = self.store.copy(
                upload.copy_from, upload.key, sha256=upload.sha256, if_none_match=if_none_match
            )
            return info.etag
        if upload.path is not None:
            info = self.store.put_file(
                upload.key, upload.path, sha256=upload.sha256, if_none_match=if_none_match
            )
            return info.etag
        assert upload.data is not None
        info = self.store.put_bytes(
            upload.key, upload.data, if_match=if_match, if_none_match=if_none_match
        )
        return info.etag

    def one(self, upload: Upload) -> None:
        """An upload before the entry points, honouring `existing`."""
        if upload.existing is Existing.OVERWRITE or upload.sha256 is None:
            self._put(upload, upload.if_match, upload.if_none_match)
            self._count(upload, Action.PUT)
        elif upload.existing is Existing.SKIP_SAME:
            if stored_sha256(self.store, upload.key) == upload.sha256:
                self._count(upload, Action.SKIP)
            else:
                self._put(upload, None, False)
                self._count(upload, Action.PUT)
        else:
            self._immutable(upload)

    def _immutable(self, upload: Upload) -> None:
        """Content that must never change under its name (pool files, by-hash objects)."""
        if upload.absent_when_planned:
            # Mostly still absent (a new package): create it without asking first. If it was
            # written meanwhile, the create-only put fails and what is there is checked below.
            try:
                self._put(upload, None, True)
            except PreconditionFailed:
                pass
            else:
                self._count(upload, Action.PUT)
                return
        for _ in range(2):
            stored = stored_sha256(self.store, upload.key)
            if stored == upload.sha256:
                if self.store.touch(upload.key):
                    self._count(upload, Action.TOUCH)
                    return
                self._put(upload, None, False)  # same bytes: rewriting refreshes the time
                self._count(upload, Action.PUT)
                return
            if stored is not None:
                break
            try:
                # If-None-Match: another publisher may be putting other bytes there right now.
                self._put(upload, None, True)
            except PreconditionFailed:
                continue
            self._count(upload, Action.PUT)
            return
        if upload.phase is Phase.STANDALONE and upload.path is not None:
            raise KeyTakenError(upload.path, upload.key)
        raise ConflictError(
            f"{upload.key}: the store already holds other bytes under this name "
            "(another publisher wrote it meanwhile)"
        )

    def parallel(self, uploads: list[Upload]) -> None:
        if len(uploads) <= 1 or self.workers <= 1:
            for upload in uploads:
                self.one(upload)
            return
        from concurrent.futures import ThreadPoolExecutor  # remote stores only: 9 ms to import

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            # list() re-raises the first failure; the pool waits for the others to finish.
            list(pool.map(self.one, uploads))

    def entries(self, uploads: list[Upload]) -> None:
        """Entry points one by one; the first conditional one decides whether this commit won."""
        anchor: Upload | None = None
        anchor_etag = ""
        for upload in uploads:
            if anchor is None and upload.conditional:
                anchor_etag = self._put(upload, upload.if_match, upload.if_none_match)
                anchor = upload
                self._count(upload, Action.PUT)
                continue
            if anchor is None or not upload.conditional:
                self.one(upload)
                continue
            if not self._follow(upload, anchor, anchor_etag):
                return

    def _follow(self, upload: Upload, anchor: Upload, anchor_etag: str) -> bool:
        """Write an entry point that follows the anchor, unless a newer commit owns them now.

        Each follower (Release, Release.gpg) is itself conditional on the version read at the
        start, so a slow winner can never overwrite the entry points of the commit after it.
        """
        if_match, if_none_match = upload.if_match, upload.if_none_match
        for _ in range(FOLLOWER_ATTEMPTS):
            try:
                self._put(upload, if_match, if_none_match)
                self._count(upload, Action.PUT)
                return True
            except PreconditionFailed:
                current = self.store.head(anchor.key)
                if current is None or current.etag != anchor_etag:
                    return False  # a later commit won: its entry points are the ones to keep
                info = self.store.head(upload.key)
                if_match, if_none_match = (None, True) if info is None else (info.etag, False)
        raise PreconditionFailed(f"{upload.key}: kept changing while this commit wrote it")


def _check_later(added: list[Upload]) -> None:
    if any(upload.phase is Phase.STANDALONE for upload in added):
        raise ValueError("later uploads come after the STANDALONE phase")


def _overlapped(
    store: Store,
    committer: _Committer,
    reporter: Reporter,
    given: list[Upload],
    later: Callable[[], Iterable[Upload]],
) -> list[Upload]:
    """The phases before the entry points on a remote store, each started as soon as what it
    needs is there: `later()` runs while the packages upload (a thread's requests release the
    GIL); its content-addressed (HASHED) objects go up at once, beside the packages, because no
    index names them until the anchor is written; the plain indexes wait for the packages (a
    client that reads them without InRelease must find every file they name) but not for the
    hashed objects. A failure of the packages is the one raised. Returns the entry points, the
    given ones first.
    """

    def of(phase: Phase, uploads: list[Upload]) -> list[Upload]:
        return [u for u in uploads if u.phase is phase]

    from concurrent.futures import ThreadPoolExecutor  # remote stores only: 9 ms to import

    # The packages and what later gives (an add-1 .deb publish of an `all` package: 19 requests
    # at once) find their connections open: the ones they would open cost a round trip each.
    store.warm(WRITE_CONNECTIONS)
    with ThreadPoolExecutor(max_workers=2) as pool:
        with held(store):
            written = pool.submit(committer.parallel, of(Phase.STANDALONE, given))
            try:
                added = list(later())
                _check_later(added)
                reporter.more(added)
                everything = given + added
                hashed = pool.submit(committer.parallel, of(Phase.HASHED, everything))
            finally:
                # Packages first: a failed upload is the error to report, whatever came later.
                written.result()
        committer.parallel(of(Phase.INDEX, everything))
        hashed.result()
    return of(Phase.ENTRY, everything)


def commit(
    store: Store,
    uploads: Iterable[Upload],
    reporter: Reporter | None = None,
    *,
    workers: int | None = None,
    later: Callable[[], Iterable[Upload]] | None = None,
) -> CommitStats:
    """Write in phase order; PreconditionFailed when the anchor's compare-and-swap lost.

    `later` gives more uploads, of the phases after STANDALONE. On a remote store it is called
    while the packages are being written (the render and the signatures take about a round trip
    at 10,000 packages: they overlap the package PUTs instead of preceding them), and the
    phases before the entry points overlap as far as they may (`_overlapped`).
    """
    ordered = sorted(uploads, key=lambda u: u.phase)
    reporter = reporter or SilentReporter()
    count = workers or store.upload_workers
    committer = _Committer(store, reporter, count)
    reporter.begin(ordered)
    try:
        for phase in Phase:
            if phase is Phase.STANDALONE and later is not None and count > 1:
                committer.entries(_overlapped(store, committer, reporter, ordered, later))
                return committer.stats
            if later is not None and phase > Phase.STANDALONE:
                added = list(later())
                later = None
                _check_later(added)
                reporter.more(added)
                ordered = sorted([*ordered, *added], key=lambda u: u.phase)
            batch = [u for u in ordered if u.phase == phase]
            if phase is Phase.ENTRY:
                committer.entries(batch)
            else:
                committer.parallel(batch)
    finally:
        reporter.end()
    return committer.stats
