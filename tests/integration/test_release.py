"""`r2repo release`: build and publish in one step; apt-get and dnf install the result."""

from __future__ import annotations

import re

import pytest

from tests.conftest import tree_digest
from tests.support.apt import AptClient
from tests.support.packaging import in_root, repo_text, run, shell_args, tool_args, tool_sources
from tests.support.rpmclients import DnfClient
from tests.support.server import serving

pytestmark = pytest.mark.slow  # real apt-get and dnf, installs in chroots


def test_release_builds_publishes_and_clients_install(tmp_path, key_dir, r2repo, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    store = tmp_path / "store"
    sources = tool_sources(tmp_path / "src")
    common = ["--store", store, "--dist", "bookworm", "--signing-key", key_dir / "signing-key.asc"]
    shell = r2repo("release", *common, *shell_args())
    assert shell.code == 0, shell
    tool = r2repo("release", *common, *tool_args(sources, "--depends", "testshell"))
    assert tool.code == 0, tool
    assert re.search(r"^built\t\S+\tmytool_1\.4\.2_amd64\.deb$", tool.out, re.M)
    assert "added\tbookworm\tmytool 1.4.2 amd64" in tool.out
    assert "added\trpm\tmytool 1.4.2-1 x86_64" in tool.out
    with serving(store) as base:
        apt = AptClient(tmp_path / "apt")
        apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {base} bookworm main"])
        apt.update()
        apt.install("mytool")
        dnf = DnfClient(tmp_path / "dnf")
        dnf.add_repo_file(repo_text("released", f"{base}rpm", key_dir / "key.asc"))
        dnf.dnf("install", "mytool")
    for root, ran in ((apt.root, "installed configure\n"), (dnf.root, "installed 1\n")):
        assert in_root(root, "/usr/bin/mytool").strip() == "mytool 1.4.2"
        assert (root / "var/lib/mytool/installed").read_text() == ran
        assert (root / "etc/mytool/config.yml").read_text() == "listen: 127.0.0.1:8080\n"
    assert run("rpm", "--root", dnf.root, "-qc", "mytool").split() == ["/etc/mytool/config.yml"]
    status = (apt.root / "var/lib/dpkg/status").read_text()
    assert re.search(r"Package: mytool\nStatus: install ok installed", status)
    assert "Conffiles:\n /etc/mytool/config.yml " in status


def test_release_keeps_packages_with_output_dir(tmp_path, key_dir, r2repo):
    sources = tool_sources(tmp_path / "src")
    result = r2repo(
        "release", "--store", tmp_path / "store", "--dist", "stable",
        "--signing-key", key_dir / "signing-key.asc",
        *tool_args(sources, "--format", "deb"), "--output-dir", tmp_path / "dist",
    )  # fmt: skip
    assert result.code == 0, result
    assert [p.name for p in (tmp_path / "dist").iterdir()] == ["mytool_1.4.2_amd64.deb"]
    assert (tmp_path / "store/dists/stable/InRelease").is_file()
    assert not (tmp_path / "store/rpm").exists()


def test_release_with_bad_input_changes_nothing(tmp_path, key_dir, r2repo):
    store = tmp_path / "store"
    sources = tool_sources(tmp_path / "src")
    common = ["--store", store, "--dist", "bookworm", "--signing-key", key_dir / "signing-key.asc"]
    assert r2repo("release", *common, *tool_args(sources)).code == 0
    before = tree_digest(store)
    for extra in (["--arch", "pdp11"], ["--file", f"{sources['tool']}=relative/path"]):
        result = r2repo("release", *common, *tool_args(sources, "--version", "2.0", *extra))
        assert result.code == 1, result
        assert result.err.startswith("error: ") and result.err.count("\n") == 1
    bad_dist = r2repo("release", *common[:2], "--dist", "bad dist", *tool_args(sources))
    assert bad_dist.code == 1 and "dist 'bad dist'" in bad_dist.err
    assert tree_digest(store) == before
