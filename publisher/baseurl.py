"""Point an RPM root's `.repo` file at another address, through a normal commit.

The `.repo` file is all that names the base URL, but the change goes the way of any publish:
repodata rendered and repomd.xml written with compare-and-swap and signed again, so a
concurrent publish is retried against, never overwritten.
"""

from __future__ import annotations

from publisher.errors import R2repoError
from publisher.outcome import Outcome
from publisher.repofile import RepoFile, check_base_url
from publisher.repository import check_repository
from publisher.signing import Signer
from publisher.stores import Store
from publisher.uploads import Reporter
from publisher.yumpublish import RpmChange, check_rpm_root, publish_rpm_root
from publisher.yumstate import repomd_key


def set_base_url(
    store: Store,
    root: str,
    repo_id: str,
    base_url: str,
    signer: Signer,
    progress: Reporter | None = None,
) -> Outcome:
    """Outcome.changed says what changed (empty and nothing written when it already was)."""
    base_url = check_base_url(base_url)
    check_repository(store, writing=False)
    if store.head(repomd_key(root)) is None:
        raise R2repoError(f"{root}: no RPM repository in {store.url} (publish .rpm files first)")
    repo_key = RepoFile(repo_id, base_url, root, False).key
    if store.head(repo_key) is None:
        raise R2repoError(
            f"{repo_key}: not in {store.url}; pass the --repo-name the root was published with"
        )
    change = RpmChange(root=root, repo_id=repo_id, base_url=base_url)
    checked = check_rpm_root(store, change)
    signer.ready()
    return publish_rpm_root(store, change, signer, progress=progress, checked=checked)
