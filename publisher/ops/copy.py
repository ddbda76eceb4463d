"""`r2repo copy`: promote packages from one APT dist to another without uploading them again.

Dists share the pool, so a copy is index work only: the target dist gets the source's entries
as they are (their `Filename` names the file the source references). `--move` also removes them
from the source: the target commits first, so a package is never in neither dist.
"""

from __future__ import annotations

from collections.abc import Sequence

from publisher.apt.index import PoolKey
from publisher.apt.publish import AptChange, CheckedDist, check_dist, publish_dist
from publisher.apt.stanza import Stanza
from publisher.apt.state import read_dist
from publisher.core.marker import check_repository
from publisher.core.outcome import Outcome
from publisher.core.removal import Removal
from publisher.core.uploads import Reporter
from publisher.errors import R2repoError
from publisher.ops.listing import check_new_dist_name
from publisher.ops.partial import DistCommit, commit_dists
from publisher.signing.gnupg import Signer
from publisher.stores import Store


def select(
    entries: dict[PoolKey, Stanza], specs: Sequence[Removal] | None, where: str
) -> dict[PoolKey, Stanza]:
    """The entries `specs` name (every one when None); a spec that matches none is refused."""
    if specs is None:
        if not entries:
            raise R2repoError(f"{where}: holds no packages to copy")
        return dict(entries)
    chosen: dict[PoolKey, Stanza] = {}
    for spec in specs:
        matched = {k: s for k, s in entries.items() if spec.matches(k[0], {k[1]}, k[2])}
        if not matched:
            raise R2repoError(f"{spec}: not in {where}")
        chosen.update(matched)
    return chosen


def copy_packages(
    store: Store,
    source: str,
    target: str,
    component: str,
    specs: Sequence[Removal] | None,
    signer: Signer,
    *,
    move: bool = False,
    replace: bool = False,
    progress: Reporter | None = None,
) -> dict[str, Outcome]:
    """Copy (or move) the packages `specs` name, every one of them checked before any commit."""
    check_repository(store, writing=False)
    if source == target:
        raise R2repoError(f"--to-dist {target}: the same dist as --from-dist")
    state = read_dist(store, source)
    if not state.exists:
        raise R2repoError(f"--from-dist {source}: no such dist in {store.url}")
    if component not in state.components:
        raise R2repoError(f"--component {component}: not in dist {source}")
    chosen = select(state.components[component], specs, f"{source}/{component}")
    check_new_dist_name(store, target)
    changes = [AptChange(target, component, copies=list(chosen.values()), replace=replace)]
    if move:
        removals = [Removal(name, version, arch) for name, version, arch in chosen]
        changes.append(AptChange(source, component, removals=removals))
    commits: list[DistCommit] = []
    for change in changes:
        checked = check_dist(store, change)

        def run(change: AptChange = change, checked: CheckedDist = checked) -> Outcome:
            return publish_dist(store, change, signer, progress=progress, checked=checked)

        commits.append((change.dist, run))
    return commit_dists(commits)
