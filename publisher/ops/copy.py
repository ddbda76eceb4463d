"""`r2repo copy`: promote packages from one APT dist (or RPM root) to another without
uploading them again.

Dists share the pool, so a copy is index work only: the target dist gets the source's entries
as they are (their `Filename` names the file the source references). RPM roots do not share
files (an href is resolved inside its root, and zypper will not leave it), so each file is
copied inside the store (Store.copy: CopyObject, a hard link) and the target's repodata takes
the source's entries. `--move` also removes them from the source: the target commits first, so
a package is never in neither.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from publisher.apt.index import PoolKey
from publisher.apt.publish import AptChange, CheckedDist, check_dist, publish_dist
from publisher.apt.stanza import Stanza
from publisher.apt.state import read_dist
from publisher.core.marker import check_repository
from publisher.core.outcome import Outcome
from publisher.core.removal import Removal
from publisher.core.uploads import Reporter
from publisher.errors import R2repoError
from publisher.ops.listing import check_new_dist_name, check_new_rpm_root
from publisher.ops.partial import DistCommit, commit_dists
from publisher.signing.gnupg import Signer
from publisher.stores import Store

if TYPE_CHECKING:  # the RPM side loads createrepo_c: an APT copy does without it
    import createrepo_c as cr

    from publisher.yum.publish import CheckedRoot
    from publisher.yum.rpmpkg import NEVRA


Key = TypeVar("Key")
Entry = TypeVar("Entry")


def _apt_matches(spec: Removal, key: PoolKey, entry: Stanza) -> bool:
    return spec.matches(key[0], {key[1]}, key[2])


def select(
    entries: Mapping[Key, Entry],
    specs: Sequence[Removal] | None,
    where: str,
    matches: Callable[[Removal, Key, Entry], bool] = _apt_matches,  # type: ignore[assignment]
) -> dict[Key, Entry]:
    """The entries `specs` name (every one when None); a spec that matches none is refused."""
    if specs is None:
        if not entries:
            raise R2repoError(f"{where}: holds no packages to copy")
        return dict(entries)
    chosen: dict[Key, Entry] = {}
    for spec in specs:
        matched = {k: e for k, e in entries.items() if matches(spec, k, e)}
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


def copy_rpms(
    store: Store,
    source: str,
    target: str,
    specs: Sequence[Removal] | None,
    signer: Signer,
    *,
    move: bool = False,
    replace: bool = False,
    progress: Reporter | None = None,
) -> dict[str, Outcome]:
    """Copy (or move) RPMs between roots: every input checked, and both roots planned, before
    either commits."""
    from publisher.yum.publish import RpmChange, check_rpm_root, publish_rpm_root, spellings
    from publisher.yum.rpmpkg import evr_of
    from publisher.yum.state import read_rpm_root

    check_repository(store, writing=False)
    if source == target:
        raise R2repoError(f"--to-rpm-path {target}: the same RPM repository as --from-rpm-path")
    state = read_rpm_root(store, source)
    if not state.exists:
        raise R2repoError(f"--from-rpm-path {source}: no such RPM repository in {store.url}")

    def matches(spec: Removal, key: NEVRA, entry: cr.Package) -> bool:
        return spec.matches(key[0], spellings(entry), key[4])

    chosen = select(state.packages, specs, source, matches)
    check_new_rpm_root(store, target)
    base_url, signed = _target_promise(store, source, target, chosen, signer)
    changes = [
        RpmChange(
            target,
            copies=list(chosen.values()),
            copies_from=source,
            replace=replace,
            base_url=base_url,
            packages_signed=signed,
        )
    ]
    if move:
        removals = [Removal(nevra[0], evr_of(nevra), nevra[4]) for nevra in chosen]
        changes.append(RpmChange(source, removals=removals))
    commits: list[DistCommit] = []
    for change in changes:
        checked = check_rpm_root(store, change)

        def run(change: RpmChange = change, checked: CheckedRoot = checked) -> Outcome:
            return publish_rpm_root(store, change, signer, progress=progress, checked=checked)

        commits.append((change.root, run))
    return commit_dists(commits, kind="rpm path")


def _target_promise(
    store: Store, source: str, target: str, chosen: Mapping[NEVRA, cr.Package], signer: Signer
) -> tuple[str | None, bool]:
    """The base URL and gpgcheck a new target root takes from the source's .repo file; a
    target whose .repo says gpgcheck=1 takes only packages signed by the repository's keys."""
    from publisher.signing.verify import SignatureChecker
    from publisher.yum.publish import stored_repo_file
    from publisher.yum.repofile import DEFAULT_REPO_ID
    from publisher.yum.rpmsig import stored_signature_problem

    origin = stored_repo_file(store, source, DEFAULT_REPO_ID)
    promise = stored_repo_file(store, target, DEFAULT_REPO_ID)
    if promise is None:
        return (origin.base_url, origin.gpgcheck) if origin else (None, False)
    if promise.gpgcheck and not (origin and origin.gpgcheck):
        with SignatureChecker(signer.public_keys(False)) as checker:
            for entry in chosen.values():
                problem = stored_signature_problem(store, source, entry, checker)
                if problem is not None:
                    raise R2repoError(
                        f"{source}/{entry.location_href}: {problem}, and {promise.key} says "
                        "gpgcheck=1 (dnf installs only packages signed by the repository's keys)"
                    )
    return None, False
