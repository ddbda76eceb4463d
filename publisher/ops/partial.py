"""Commits of several dists, one compare-and-swap each: what a failure of some of them says.

A dist is one anchor (its InRelease), so several dists cannot switch in one atomic step. When
one fails the others still commit, and the error names exactly which hold the change and which
do not. Kept apart from publisher/ops/dists.py: an .rpm-only publish must not load the APT side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from publisher.core.outcome import Outcome
from publisher.errors import ConflictError, KeyTakenError, R2repoError
from publisher.stores import StoreError

DistCommit = tuple[str, Callable[[], Outcome]]
POOL_PER_DIST = "--pool-per-dist"


def pool_conflict(source: object, key: str) -> ConflictError:
    """Other bytes under a pool key: another dist (or a removal gc has not collected) has them."""
    return ConflictError(
        f"{source}: {key} already holds other bytes of this name, version and architecture "
        f"(another dist has them, or gc has not collected them yet); {POOL_PER_DIST} gives "
        "each dist its own pool path, --replace puts the new bytes beside the old"
    )


def with_pool_hint(exc: R2repoError) -> R2repoError:
    """A pool conflict found while committing, reworded to name the option that avoids it."""
    if isinstance(exc, KeyTakenError) and exc.key.startswith("pool/"):
        return pool_conflict(exc.source, exc.key)
    return exc


@dataclass
class PartialCommit(R2repoError):
    """Some dists committed, some did not: the CLI reports the outcomes, then this one line."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)  # what committed, rpm root first
    failed: dict[str, str] = field(default_factory=dict)  # dist -> why
    kind: str = "dist"  # what the failed names are, for the message ("rpm path" for roots)

    def __str__(self) -> str:
        reasons = "; ".join(f"{self.kind} {name}: {why}" for name, why in self.failed.items())
        return (
            f"{reasons}; the change is in {', '.join(self.outcomes)} but not in "
            f"{', '.join(self.failed)}: run the same command again to finish (packages already "
            "uploaded are not sent again)"
        )


def commit_dists(
    commits: Sequence[DistCommit],
    before: Mapping[str, Outcome] | None = None,
    kind: str = "dist",
) -> dict[str, Outcome]:
    """Commit each dist; one that fails does not stop the others. PartialCommit when some
    committed (here, or `before`: the RPM root of the same command) and some did not; the first
    failure as it was when nothing committed."""
    outcomes: dict[str, Outcome] = {}
    failed: dict[str, str] = {}
    first: Exception | None = None
    for dist, run in commits:
        try:
            outcomes[dist] = run()
        except (R2repoError, StoreError) as exc:
            error = with_pool_hint(exc) if isinstance(exc, R2repoError) else exc
            first = first or error
            failed[dist] = str(error)
    if not failed:
        return outcomes
    if not outcomes and not before:
        assert first is not None
        raise first
    raise PartialCommit(outcomes={**(before or {}), **outcomes}, failed=failed, kind=kind)
