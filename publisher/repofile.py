"""The `.repo` file a dnf, yum or zypper client drops into /etc/yum.repos.d/.

Its text comes from routes.snippets, which the landing page renders too: the two cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from routes.snippets import parse_yum_repo, yum_repo

DEFAULT_BASE_URL = "http://127.0.0.1:8787"
DEFAULT_ROOT = "rpm"  # where the RPM tree starts in the store
DEFAULT_REPO_ID = "r2repo"


@dataclass(frozen=True)
class RepoFile:
    repo_id: str
    base_url: str  # where the store's root is served, without a trailing slash
    root: str
    gpgcheck: bool

    @property
    def key(self) -> str:
        return f"{self.root}/{self.repo_id}.repo"

    def render(self) -> bytes:
        return yum_repo(self.repo_id, self.base_url, self.root, self.gpgcheck).encode("utf-8")

    @classmethod
    def parse(cls, data: bytes, repo_id: str, root: str) -> RepoFile | None:
        parsed = parse_yum_repo(data, root, repo_id)
        if parsed is None:
            return None
        return cls(repo_id, parsed.base_url, root, parsed.gpgcheck)
