"""One change to several APT dists: every dist checked before any commits, each package's bytes
uploaded once into the pool the dists share, each dist committed with its own compare-and-swap.

Nothing is written before every dist's plan is checked; the dists then commit one after the
other (publisher/ops/partial.py says what a failure of some of them means). Running the same
command again finishes the rest: the dists that hold the change are unchanged, and the pool
files they reference are known present, so no package byte is sent again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from publisher.apt.paths import dist_prefix
from publisher.apt.publish import AptChange, CheckedDist, check_dist, publish_dist
from publisher.apt.state import read_dist
from publisher.core.outcome import Outcome
from publisher.core.placement import Placement
from publisher.core.uploads import Phase, Reporter, Upload, package_upload
from publisher.errors import ConflictError
from publisher.ops.partial import DistCommit, pool_conflict, with_pool_hint
from publisher.signing.gnupg import Signer
from publisher.stores import Store
from publisher.stores.readonce import read_ahead


class SharedPlacement(Placement):
    """One placement for every dist of a command. A pool file a dist references (before this
    command, or once this command committed that dist) is neither sent nor touched again: it
    is in the store and live. A file one dist's plan uploads is only looked at (HEAD, touch) by
    a plan made after it, in case that dist failed before its packages were written."""

    def __init__(self, store: Store, present: dict[str, str]) -> None:
        super().__init__(store)
        self.present = present  # pool key -> sha256, referenced by a committed dist
        self.handed: set[str] = set()  # keys whose upload an earlier dist's plan carries

    def place(self, source: Path, sha256: str, key: str, unique_key: str, replace: bool) -> str:
        known = self.present.get(key)
        if known == sha256:
            self.placed[key] = sha256
            return key
        if known is not None and not replace:
            raise pool_conflict(source, key)
        try:
            return super().place(source, sha256, key, unique_key, replace)
        except ConflictError as exc:
            raise with_pool_hint(exc) from exc

    def upload(self, key: str, source: Path, sha256: str, size: int) -> Upload:
        if key in self.handed or self.present.get(key) == sha256:
            return package_upload(key, source, sha256, size, absent=False)
        self.handed.add(key)
        return super().upload(key, source, sha256, size)

    def needed(self, uploads: list[Upload]) -> list[Upload]:
        """`uploads` without the package files known present and referenced."""
        return [
            upload
            for upload in uploads
            if upload.phase is not Phase.STANDALONE or self.present.get(upload.key) != upload.sha256
        ]

    def committed(self, uploads: list[Upload]) -> None:
        """A dist committed these uploads: its package files are in the store and live."""
        for upload in uploads:
            if upload.phase is Phase.STANDALONE and upload.sha256:
                self.present[upload.key] = upload.sha256


def shared_placement(store: Store, dists: Sequence[str]) -> SharedPlacement:
    """Read every dist once (one batch on a remote store) and note the pool files they hold."""
    read_ahead(store, [dist_prefix(dist) + "InRelease" for dist in dists])
    present: dict[str, str] = {}
    for dist in dists:
        for entries in read_dist(store, dist).components.values():
            for stanza in entries.values():
                present.setdefault(stanza["Filename"], stanza["SHA256"])
    return SharedPlacement(store, present)


def check_dists(
    store: Store,
    dists: Sequence[str],
    make_change: Callable[[str], AptChange],
    signer: Signer,
    progress: Reporter | None = None,
) -> list[DistCommit]:
    """Every dist's change checked (nothing written); what commits each, in the order given."""
    placement = shared_placement(store, dists)
    commits: list[DistCommit] = []
    for dist in dists:
        change = make_change(dist)
        checked = check_dist(store, change, placement)

        def run(change: AptChange = change, checked: CheckedDist = checked) -> Outcome:
            # The plan was made before the dists ahead of it committed: drop what they wrote.
            planned = checked.planner.uploads
            checked.planner.uploads = placement.needed(planned)
            outcome = publish_dist(store, change, signer, progress=progress, checked=checked)
            placement.committed(planned)
            return outcome

        commits.append((dist, run))
    return commits
