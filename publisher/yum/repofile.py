"""The `.repo` file a dnf, yum or zypper client drops into /etc/yum.repos.d/.

Its text comes from routes.snippets, which the landing page renders too: the two cannot differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from publisher.errors import R2repoError
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

    def changes_from(self, previous: RepoFile) -> list[str]:
        """What a client of the previous file sees change: one `setting OLD -> NEW` each."""
        changes = []
        if previous.base_url != self.base_url:
            changes.append(f"baseurl {previous.base_url} -> {self.base_url}")
        if previous.gpgcheck != self.gpgcheck:
            changes.append(f"gpgcheck {int(previous.gpgcheck)} -> {int(self.gpgcheck)}")
        return changes

    @classmethod
    def parse(cls, data: bytes, repo_id: str, root: str) -> RepoFile | None:
        parsed = parse_yum_repo(data, root, repo_id)
        if parsed is None:
            return None
        return cls(repo_id, parsed.base_url, root, parsed.gpgcheck)


def check_base_url(value: str) -> str:
    """An http(s) URL of a server (and maybe a path), without a trailing slash."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise R2repoError(
            f"base URL {value!r}: give the address clients use, e.g. https://pkg.example.com"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise R2repoError(f"base URL {value!r}: no query, fragment or credentials")
    return value.rstrip("/")
