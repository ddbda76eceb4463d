"""Real apt-get and dnf against the Worker, set up from the snippets on its landing page."""

from __future__ import annotations

import html
import os
import re
import subprocess
from pathlib import Path

from tests.runtime.conftest import Deployment
from tests.support.apt import AptClient
from tests.support.pages import page_snippets
from tests.support.rpmclients import DnfClient

ARTIFACTS = Path(os.environ.get("R2REPO_ARTIFACTS", Path(__file__).parents[1] / ".artifacts"))


def snippets(deployment: Deployment, headers: dict[str, str] | None = None) -> dict[str, str]:
    status, _, body = deployment.fetch("/", headers=headers)
    assert status == 200
    return page_snippets(body.decode())


def as_user(snippet: str, root: Path) -> str:
    """The snippet, run without sudo and with /etc under a test root."""
    return snippet.replace("sudo ", "").replace("/etc/", f"{root}/etc/")


def test_landing_page_lists_what_is_published(deployment: Deployment) -> None:
    status, headers, body = deployment.fetch("/")
    page = body.decode()
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    fingerprint = subprocess.run(
        ["gpg", "--show-keys", "--with-colons", str(deployment.key_dir / "key.asc")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fpr = re.search(r"^fpr:+([0-9A-F]{40}):", fingerprint, re.M)
    assert fpr and fpr.group(1) in page
    assert "Example &lt;Repo&gt; &amp; Co" in page and "<Repo>" not in page
    blocks = snippets(deployment)
    assert "Suites: stable" in blocks["apt-sources-stable"]
    assert "internal" not in page  # a private dist is named only to a token that reads it
    assert "_r2repo" not in page
    assert any(name.startswith("dnf-repo-") for name in blocks)
    with_token = snippets(deployment, {"Authorization": f"Bearer {deployment.tokens['ci']}"})
    assert "apt-auth-private-internal" in with_token
    assert f"URIs: {deployment.url}/private/" in with_token["apt-sources-private-internal"]


def test_apt_get_from_the_page_snippets(deployment: Deployment, tmp_path: Path) -> None:
    blocks = snippets(deployment)
    apt = AptClient(tmp_path / "apt")
    subprocess.run(["bash", "-ec", as_user(blocks["apt-key"], apt.root)], check=True)
    sources = as_user(blocks["apt-sources-stable"], apt.root)
    (apt.root / "etc/apt/sources.list.d/r2repo.sources").write_text(sources + "\n")
    apt.set_sources([])
    done = apt.update()
    assert "by-hash/SHA" in done.stdout + done.stderr  # indexes came by hash, through the Worker
    apt.run("install", "--download-only", "-y", "rt-hello", "rt-common")
    archives = sorted(p.name for p in (apt.root / "var/cache/apt/archives").glob("*.deb"))
    assert archives == ["rt-common_0.5_all.deb", "rt-hello_1.0-1_amd64.deb"]
    fetched = apt.root / "var/cache/apt/archives/rt-hello_1.0-1_amd64.deb"
    assert fetched.read_bytes() == deployment.debs["hello"].read_bytes()


def test_apt_get_private_dist_with_auth_conf(deployment: Deployment, tmp_path: Path) -> None:
    token = deployment.tokens["ci"]
    blocks = snippets(deployment, {"Authorization": f"Bearer {token}"})
    apt = AptClient(tmp_path / "apt")
    subprocess.run(["bash", "-ec", as_user(blocks["apt-key"], apt.root)], check=True)
    auth = (
        blocks["apt-auth-private-internal"].replace("TOKEN-NAME", "ci").replace("YOUR-TOKEN", token)
    )
    (apt.root / "etc/apt/auth.conf.d").mkdir(parents=True, exist_ok=True)
    (apt.root / "etc/apt/auth.conf.d/r2repo.conf").write_text(auth + "\n")
    os.chmod(apt.root / "etc/apt/auth.conf.d/r2repo.conf", 0o600)
    line = as_user(blocks["apt-line-private-internal"], apt.root)
    assert line.startswith("deb [signed-by=")
    apt.set_sources([line])
    apt.update()
    apt.run("install", "--download-only", "-y", "rt-secret")
    assert (apt.root / "var/cache/apt/archives/rt-secret_2.0_amd64.deb").exists()
    (apt.root / "etc/apt/auth.conf.d/r2repo.conf").unlink()
    failed = apt.run("update", check=False)
    assert "401" in failed.stdout + failed.stderr


def test_dnf_makecache_from_the_page_snippet(deployment: Deployment, tmp_path: Path) -> None:
    blocks = snippets(deployment)
    name = next(n for n in blocks if n.startswith("dnf-repo-"))
    repo = html.unescape(blocks[name])
    assert "repo_gpgcheck=1" in repo and f"baseurl={deployment.url}/rpm\n" in repo
    dnf = DnfClient(tmp_path / "dnf")
    dnf.add_repo_file(repo + "\n")
    dnf.dnf("makecache")
    dnf.dnf("install", "--downloadonly", "--destdir", str(tmp_path / "rpms"), "rt-tool")
    fetched = next((tmp_path / "rpms").glob("rt-tool-*.rpm"))
    assert fetched.read_bytes() == deployment.rpms["noarch"].read_bytes()
