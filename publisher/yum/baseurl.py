"""Point an RPM root's `.repo` file at another address, through a normal commit.

The `.repo` file is all that names the base URL, but the change goes the way of any publish:
repodata rendered and repomd.xml written with compare-and-swap and signed again, so a
concurrent publish is retried against, never overwritten.
"""

from __future__ import annotations

from publisher.core.marker import check_repository
from publisher.core.outcome import Outcome
from publisher.core.uploads import Reporter
from publisher.errors import R2repoError
from publisher.signing.gnupg import Signer
from publisher.stores import Store
from publisher.yum.publish import RpmChange, check_rpm_root, publish_rpm_root
from publisher.yum.repofile import RepoFile, check_base_url
from publisher.yum.state import repomd_key


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
