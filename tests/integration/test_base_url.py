"""Changing the base URL of an RPM root: `r2repo set-base-url`, and a republish that changes it.

Either reports what changed (`changed<TAB>rpm<TAB>baseurl OLD -> NEW`) and commits like any
publish (repomd.xml written again and signed); `nothing changed` only when nothing was written.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import tree_digest
from tests.support.publishers import publish_argv
from tests.support.rpmclients import DnfClient
from tests.support.rpms import build_rpm
from tests.support.server import free_port, serving

pytestmark = pytest.mark.slow  # real dnf

OLD, NEW = "https://pkg.example.com", "https://mirror.example.org/packages"


@pytest.fixture(scope="module")
def rpm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_rpm(tmp_path_factory.mktemp("rpms"), "r2-base", "1.0")


@pytest.fixture
def store(tmp_path: Path, key_dir: Path, rpm: Path, r2repo) -> Path:
    store = tmp_path / "store"
    assert r2repo(*publish_argv(store, key_dir, OLD, rpm)).code == 0
    return store


def set_base_url(r2repo, store: Path, key_dir: Path, *args: str):
    return r2repo(
        "set-base-url", "--store", store, "--signing-key", key_dir / "signing-key.asc", *args
    )


def gpgv_repomd(store: Path, key_dir: Path) -> None:
    repodata = store / "rpm/repodata"
    subprocess.run(
        [
            "gpgv",
            "--keyring",
            str(key_dir / "key.gpg"),
            str(repodata / "repomd.xml.asc"),
            str(repodata / "repomd.xml"),
        ],
        check=True,
        capture_output=True,
    )


def test_republish_with_another_base_url_says_so(store, key_dir, rpm, r2repo) -> None:
    again = r2repo(*publish_argv(store, key_dir, NEW, rpm))
    assert again.code == 0
    assert f"changed\trpm\tbaseurl {OLD} -> {NEW}\n" in again.out
    assert "nothing changed" not in again.err
    assert f"baseurl={NEW}/rpm\n" in (store / "rpm/r2repo.repo").read_text()


def test_set_base_url_commits_and_reports(store, key_dir, r2repo) -> None:
    repomd = (store / "rpm/repodata/repomd.xml").read_bytes()
    packages = tree_digest(store / "rpm/Packages")
    done = set_base_url(r2repo, store, key_dir, NEW + "/")
    assert done.code == 0, done
    assert done.out == f"changed\trpm\tbaseurl {OLD} -> {NEW}\n"
    assert "nothing changed" not in done.err
    repo = (store / "rpm/r2repo.repo").read_text()
    assert f"baseurl={NEW}/rpm\n" in repo and f"gpgkey={NEW}/rpm/repodata/repomd.xml.key\n" in repo
    # A commit like any publish: repomd.xml is new and its signature verifies; packages stay.
    assert (store / "rpm/repodata/repomd.xml").read_bytes() != repomd
    gpgv_repomd(store, key_dir)
    assert tree_digest(store / "rpm/Packages") == packages
    assert r2repo("verify", "--store", store).code == 0

    before = tree_digest(store)
    same = set_base_url(r2repo, store, key_dir, NEW)
    assert same.code == 0 and same.out == ""
    assert "rpm: nothing changed" in same.err
    assert tree_digest(store) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["pkg.example.com"], "base URL 'pkg.example.com': give the address clients use"),
        (["https://pkg.example.com/?token=1"], "no query, fragment or credentials"),
        (["--repo-name", "acme", NEW], "rpm/acme.repo: not in"),
        (["--rpm-path", "rpm/el9", NEW], "rpm/el9: no RPM repository in"),
    ],
)
def test_set_base_url_refuses_and_leaves_the_store(store, key_dir, r2repo, args, message):
    before = tree_digest(store)
    failed = set_base_url(r2repo, store, key_dir, *args)
    assert failed.code == 1 and failed.out == ""
    assert failed.err.startswith("error: ") and message in failed.err
    assert len(failed.err.strip().splitlines()) == 1
    assert tree_digest(store) == before


def test_publish_refuses_a_base_url_without_scheme(tmp_path, key_dir, rpm, r2repo) -> None:
    failed = r2repo(*publish_argv(tmp_path / "store", key_dir, "127.0.0.1:8787", rpm))
    assert failed.code == 1 and "base URL '127.0.0.1:8787'" in failed.err
    assert not (tmp_path / "store").exists()


def test_dnf_follows_the_moved_repo_file(store, key_dir, r2repo, tmp_path) -> None:
    """Published for another address, tried here: set-base-url, then the served .repo works."""
    port = free_port()
    here = f"http://127.0.0.1:{port}"
    assert set_base_url(r2repo, store, key_dir, here).code == 0
    with serving(store, port):
        dnf = DnfClient(tmp_path / "dnf")
        subprocess.run(
            [
                "curl",
                "-fsSL",
                "-o",
                str(dnf.root / "etc/yum.repos.d/r2repo.repo"),
                f"{here}/rpm/r2repo.repo",
            ],
            check=True,
        )
        dnf.dnf("makecache")
        dnf.dnf("install", "--downloadonly", "--destdir", str(tmp_path / "rpms"), "r2-base")
    assert list((tmp_path / "rpms").glob("r2-base-1.0-*.rpm"))
