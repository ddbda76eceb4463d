"""Client setup text: the one source of every snippet a user copies.

The landing page renders these, the publisher writes its `.repo` file with `yum_repo`, and
README.md's examples are checked against them (tests/unit/test_setup_snippets.py). Pure text
and configparser, so the Worker runs it on Pyodide.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass

KEYRING_DIR = "/etc/apt/keyrings"
REPOS_DIR = "/etc/yum.repos.d"
REPOMD_KEY = "repodata/repomd.xml.key"  # where zypper and the .repo file look for the keys


def keyring(slug: str) -> str:
    """Where apt's `signed-by` keyring goes: Debian's place for keys fetched by hand."""
    return f"{KEYRING_DIR}/{slug}.gpg"


def apt_key(base: str, keyring_path: str) -> str:
    """Fetch the binary keyring (`key.gpg`) once."""
    fetch = f"sudo curl -fsSL -o {keyring_path} {base}/key.gpg"
    return f"sudo install -d -m 0755 {KEYRING_DIR}\n{fetch}"


def apt_sources(url: str, suite: str, components: list[str], keyring_path: str) -> str:
    """The deb822 `.sources` form; `url` is where dists/ and pool/ are, ending in `/`."""
    return (
        f"Types: deb\nURIs: {url}\nSuites: {suite}\n"
        f"Components: {' '.join(components)}\nSigned-By: {keyring_path}"
    )


def apt_line(url: str, suite: str, components: list[str], keyring_path: str) -> str:
    """The one-line form of the same source."""
    return f"deb [signed-by={keyring_path}] {url} {suite} {' '.join(components)}"


def apt_auth(base: str, login: str, password: str) -> str:
    """An auth.conf entry. `base` keeps its scheme: apt matches a machine written with a scheme
    only against URLs of that scheme (an https:// entry never answers an http:// source)."""
    return f"machine {base}\nlogin {login}\npassword {password}"


def _root_url(base: str, root: str) -> str:
    root = root.strip("/")
    return f"{base}/{root}" if root else base


def yum_repo(
    repo_id: str,
    base: str,
    root: str,
    gpgcheck: bool,
    key_path: str | None = None,
    credentials: tuple[str, str] | None = None,
) -> str:
    """The `.repo` file for the RPM repository at `root` of a store served at `base`.

    `gpgcheck` only when the packages are signed (dnf refuses unsigned ones under it);
    `repo_gpgcheck=1` always: repomd.xml's signature covers every package's checksum.
    """
    url = _root_url(base, root)
    key = f"{base}/{key_path}" if key_path else f"{url}/{REPOMD_KEY}"
    lines = [
        f"[{repo_id}]",
        f"name={repo_id}",
        f"baseurl={url}",
        "enabled=1",
        "type=rpm-md",
        f"gpgcheck={int(gpgcheck)}",
        "repo_gpgcheck=1",
        f"gpgkey={key}",
        "autorefresh=1",
        "metadata_expire=300",
    ]
    if credentials:
        lines += [f"username={credentials[0]}", f"password={credentials[1]}"]
    return "\n".join(lines) + "\n"


def yum_repo_download(base: str, root: str, repo_id: str) -> str:
    """Fetch the `.repo` file the publisher wrote (its baseurl is the publish's --base-url)."""
    return f"sudo curl -fsSL -o {REPOS_DIR}/{repo_id}.repo {_root_url(base, root)}/{repo_id}.repo"


def zypper_credentials(login: str, password: str) -> str:
    return f"username={login}\npassword={password}"


def zypper(base: str, root: str, repo_id: str, key_path: str, credentials: bool = False) -> str:
    url = _root_url(base, root) + (f"?credentials={repo_id}" if credentials else "")
    return f"sudo rpm --import {base}/{key_path}\nsudo zypper addrepo --refresh {url} {repo_id}"


@dataclass(frozen=True)
class YumRepo:
    """What a stored `.repo` file says."""

    repo_id: str
    base_url: str  # the root's baseurl less the root: where the store is served
    gpgcheck: bool


def parse_yum_repo(data: bytes, root: str, repo_id: str | None = None) -> YumRepo | None:
    """The section `repo_id` (or the first) of a `.repo` file; None when it is not one."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(data.decode("utf-8"))
        name = repo_id or parser.sections()[0]
        section = parser[name]
        base = section["baseurl"].removesuffix("/")
        if root.strip("/"):
            base = base.removesuffix(f"/{root.strip('/')}")
        return YumRepo(name, base, section.getboolean("gpgcheck", False))
    except (configparser.Error, KeyError, IndexError, UnicodeDecodeError, ValueError):
        return None
