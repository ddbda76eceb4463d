"""Real dnf and zypper against `r2repo serve`: signed repomd.xml, signed packages, installs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from publisher.cli import main
from tests.support.publishers import publish_argv
from tests.support.rpmclients import DnfClient, ZypperClient
from tests.support.rpms import alien_rpms, build_rpm
from tests.support.server import free_port, serving

pytestmark = pytest.mark.slow  # real dnf and zypper


@pytest.fixture(scope="module")
def rpms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("rpms")
    return {
        "noarch": build_rpm(work, "r2-noarch", "1.0", "1", "noarch"),
        "arch": build_rpm(
            work,
            "r2-arch",
            "2.0",
            "3",
            "x86_64",
            epoch=2,
            requires=("r2-noarch",),
            provides=("r2-virtual",),
        ),
        "plain": build_rpm(work, "r2-plain", "0.1", "1", "x86_64", changelog=False),
    }


@pytest.fixture(scope="module")
def served(tmp_path_factory, rpms, key_dir):
    store = tmp_path_factory.mktemp("store")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    published = main(
        publish_argv(store, key_dir, base, "--sign-packages", *rpms.values(), *alien_rpms())
    )
    assert published == 0
    with serving(store, port):
        yield store, base


def repo_text(store: Path) -> str:
    return (store / "rpm/r2repo.repo").read_text()


def test_repo_file_asks_for_every_check(served):
    store, base = served
    text = repo_text(store)
    for line in (
        f"baseurl={base}/rpm",
        "gpgcheck=1",
        "repo_gpgcheck=1",
        f"gpgkey={base}/rpm/repodata/repomd.xml.key",
    ):
        assert line in text.splitlines()


def test_dnf_makecache_verifies_repomd_signature(tmp_path, served):
    store, _ = served
    dnf = DnfClient(tmp_path / "root")
    dnf.add_repo_file(repo_text(store))
    done = dnf.dnf("makecache")
    assert "Metadata cache created" in done.stdout + done.stderr


def test_dnf_refuses_metadata_signed_by_another_key(tmp_path, served):
    store, _ = served
    stranger = tmp_path / "stranger"
    assert main(["keys", "generate", "--output-dir", str(stranger), "--algorithm", "ed25519"]) == 0
    dnf = DnfClient(tmp_path / "root")
    text = repo_text(store).splitlines()
    text = [
        f"gpgkey=file://{stranger / 'key.asc'}" if line.startswith("gpgkey=") else line
        for line in text
    ]
    dnf.add_repo_file("\n".join(text) + "\n")
    done = dnf.dnf("makecache", check=False)
    assert done.returncode != 0
    assert "repomd.xml" in done.stdout + done.stderr


def test_dnf_installs_noarch_and_x86_64_with_gpgcheck(tmp_path, served):
    store, _ = served
    dnf = DnfClient(tmp_path / "root")
    dnf.add_repo_file(repo_text(store))
    dnf.dnf("install", "r2-arch", "r2-plain")
    assert dnf.installed() == [
        "r2-arch-2:2.0-3.x86_64",
        "r2-noarch-1.0-1.noarch",
        "r2-plain-0.1-1.x86_64",
    ]
    readme = tmp_path / "root/usr/share/r2-arch/README"
    assert readme.read_text() == "r2-arch 2.0\n"


def test_dnf_sees_real_converted_packages(tmp_path, served):
    store, base = served
    dnf = DnfClient(tmp_path / "root")
    dnf.add_repo_file(repo_text(store))
    done = dnf.dnf("repoquery", "--location", "hello", "cowsay")
    locations = sorted(line for line in done.stdout.splitlines() if line.startswith("http"))
    assert [url.rsplit("/", 1)[1] for url in locations] == [
        "cowsay-3.03+dfsg2-8.noarch.rpm",
        "hello-2.10-3.x86_64.rpm",
    ]
    requires = dnf.dnf("repoquery", "--requires", "hello").stdout
    assert "libc.so.6(GLIBC_2.34)(64bit)" in requires


def test_zypper_refreshes_with_signature_check_and_installs(tmp_path, served):
    store, base = served
    zypper = ZypperClient(tmp_path / "zroot")
    key = tmp_path / "key.asc"
    key.write_bytes((store / "rpm/repodata/repomd.xml.key").read_bytes())
    zypper.import_key(key)
    zypper.zypper("addrepo", "--check", f"{base}/rpm", "r2repo")
    refreshed = zypper.zypper("refresh")
    assert "r2repo" in refreshed.stdout
    zypper.zypper("install", "--no-recommends", "r2-noarch")
    installed = subprocess.run(
        ["rpm", "--root", str(tmp_path / "zroot"), "-q", "r2-noarch"],
        capture_output=True,
        text=True,
    )
    assert installed.stdout.strip() == "r2-noarch-1.0-1.noarch"


def test_zypper_refuses_an_unknown_key(tmp_path, served):
    _, base = served
    zypper = ZypperClient(tmp_path / "zroot")
    zypper.zypper("addrepo", "--check", f"{base}/rpm", "r2repo")
    done = zypper.zypper("refresh", check=False)
    assert done.returncode != 0
    assert "key" in (done.stdout + done.stderr).lower()
