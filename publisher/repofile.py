"""The `.repo` file a dnf, yum or zypper client drops into /etc/yum.repos.d/."""

from __future__ import annotations

import configparser
from dataclasses import dataclass

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
        url = f"{self.base_url}/{self.root}"
        lines = [
            f"[{self.repo_id}]",
            f"name={self.repo_id}",
            f"baseurl={url}",
            "enabled=1",
            "type=rpm-md",
            f"gpgcheck={int(self.gpgcheck)}",
            "repo_gpgcheck=1",
            f"gpgkey={url}/repodata/repomd.xml.key",
            "autorefresh=1",
            "metadata_expire=300",
        ]
        return ("\n".join(lines) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, data: bytes, repo_id: str, root: str) -> RepoFile | None:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(data.decode("utf-8"))
            section = parser[repo_id]
            base = section["baseurl"].removesuffix("/").removesuffix(f"/{root}")
            return cls(repo_id, base, root, section.getboolean("gpgcheck", False))
        except (configparser.Error, KeyError, UnicodeDecodeError, ValueError):
            return None
