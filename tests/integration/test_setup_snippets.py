"""The landing page of `r2repo serve` and the `.repo` file the publisher wrote are one text."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.cli import main
from routes import snippets
from tests.support.debs import build_deb
from tests.support.pages import page_snippets
from tests.support.publishers import publish_argv
from tests.support.rpms import build_rpm
from tests.support.server import fetch, free_port, serving


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    work = tmp_path_factory.mktemp("packages")
    return [build_rpm(work, "snip-rpm", "1.0"), build_deb(work, "snip-deb", "1.0")]


def landing(port: int) -> dict[str, str]:
    status, _, body = fetch(port, "/")
    assert status == 200
    return page_snippets(body.decode())


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_landing_page_shows_the_published_repo_file(
    tmp_path: Path, key_dir: Path, packages: list[Path], signed: bool
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    options = ["--dist", "bookworm", *(["--sign-packages"] if signed else [])]
    assert main(publish_argv(tmp_path, key_dir, base, *options, *packages)) == 0
    stored = (tmp_path / "rpm/r2repo.repo").read_text()
    assert f"gpgcheck={int(signed)}\n" in stored
    with serving(tmp_path, port):
        page = landing(port)
    # One repository, one definition: the same id, gpgcheck and every other line.
    assert page["dnf-repo-rpm"] + "\n" == stored
    assert page["dnf-download-rpm"] == snippets.yum_repo_download(base, "rpm", "r2repo")
    keyring = snippets.keyring("r2repo")
    assert page["apt-key"] == snippets.apt_key(base, keyring)
    assert page["apt-line-bookworm"] == snippets.apt_line(f"{base}/", "bookworm", ["main"], keyring)


def test_landing_page_served_elsewhere_says_where_the_repo_file_points(
    tmp_path: Path, key_dir: Path, packages: list[Path]
) -> None:
    """A store published for https://pkg.example.com and tried locally: the page gives the
    text for its own address and says the published file names another (no curl of it)."""
    published = "https://pkg.example.com"
    assert main(publish_argv(tmp_path, key_dir, published, *packages[:1])) == 0
    port = free_port()
    with serving(tmp_path, port):
        status, _, body = fetch(port, "/")
    page = page_snippets(body.decode())
    assert "dnf-download-rpm" not in page
    here = snippets.yum_repo("r2repo", f"http://127.0.0.1:{port}", "rpm", False)
    assert page["dnf-repo-rpm"] + "\n" == here
    assert published in body.decode() and "r2repo set-base-url" in body.decode()
