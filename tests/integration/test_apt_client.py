"""Real apt-get against `r2repo serve`: signatures, by-hash indexes, downloads, several dists."""

from __future__ import annotations

import hashlib
import subprocess
import urllib.request
from pathlib import Path

import pytest

from publisher.cli import main
from tests.support.apt import AptClient
from tests.support.debs import build_deb, debian_debs
from tests.support.server import serving

pytestmark = pytest.mark.slow  # real apt-get over Debian's own packages

STORE_DISTS = ("bookworm", "trixie")


def publish(*args: str | Path) -> None:
    assert main(["publish", *map(str, args)]) == 0


@pytest.fixture(scope="module")
def fixture_debs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("debs")
    return {
        "hello-amd64": build_deb(work, "r2-hello", "1.0-1", "amd64", "gzip"),
        "hello-arm64": build_deb(work, "r2-hello", "1.0-1", "arm64", "xz"),
        "common": build_deb(work, "r2-common", "0.5", "all", "zstd"),
        "epoch": build_deb(work, "r2-epoch", "2:1.0-1", "amd64", "xz"),
        "lib": build_deb(work, "libr2-foo1", "1.0-1", "amd64", "xz", "Source: libr2-foo (1.0-1)\n"),
        "hello2": build_deb(work, "r2-hello", "2.0-1", "amd64", "xz"),
    }


@pytest.fixture(scope="module")
def repo(tmp_path_factory, fixture_debs, key_dir, second_key_dir) -> Path:
    store = tmp_path_factory.mktemp("store")
    keys = [
        "--signing-key",
        key_dir / "signing-key.asc",
        "--signing-key",
        second_key_dir / "signing-key.asc",
    ]
    publish(
        "--store",
        store,
        "--dist",
        "bookworm",
        *keys,
        "--origin",
        "Example",
        fixture_debs["hello-amd64"],
        fixture_debs["hello-arm64"],
        fixture_debs["common"],
        fixture_debs["epoch"],
        fixture_debs["lib"],
        *debian_debs(),
    )
    publish(
        "--store",
        store,
        "--dist",
        "trixie",
        "--component",
        "contrib",
        *keys,
        fixture_debs["hello2"],
        fixture_debs["common"],
    )
    return store


@pytest.fixture(scope="module")
def url(repo: Path):
    with serving(repo) as base:
        yield base


def client(root: Path, url: str, keyring: Path, arch: str = "amd64") -> AptClient:
    apt = AptClient(root, arch)
    apt.set_sources(
        [
            f"deb [signed-by={keyring}] {url} bookworm main",
            f"deb [signed-by={keyring}] {url} trixie contrib",
        ]
    )
    return apt


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_update_verifies_inrelease_and_fetches_indexes_by_hash(tmp_path, url, key_dir):
    apt = client(tmp_path, url, key_dir / "key.gpg")
    done = apt.update()
    log = done.stdout + done.stderr
    assert "InRelease" in log
    assert "/by-hash/SHA512/" in log
    # Plain Packages files are never needed when by-hash is on.
    assert "binary-amd64/Packages.xz HTTP" not in log
    assert "NO_PUBKEY" not in log and "not signed" not in log


def test_update_fails_with_a_key_that_did_not_sign(tmp_path, url, tmp_path_factory):
    stranger = tmp_path_factory.mktemp("stranger")
    assert main(["keys", "generate", "--output-dir", str(stranger), "--algorithm", "ed25519"]) == 0
    apt = client(tmp_path, url, stranger / "key.gpg")
    done = apt.run("update", check=False)
    assert "NO_PUBKEY" in done.stderr or "not signed" in done.stderr or "E:" in done.stderr


def test_download_checks_hash_and_epoch_is_kept(tmp_path, url, key_dir, fixture_debs):
    apt = client(tmp_path, url, key_dir / "key.gpg")
    apt.update()
    assert "2:1.0-1" in apt.policy("r2-epoch")
    fetched = apt.download("r2-epoch")
    assert sha256(fetched) == sha256(fixture_debs["epoch"])
    lib = apt.download("libr2-foo1")
    assert sha256(lib) == sha256(fixture_debs["lib"])


def test_install_download_only_of_real_debian_packages(tmp_path, url, key_dir):
    apt = client(tmp_path, url, key_dir / "key.gpg")
    apt.update()
    for name in ("hello", "cowsay", "libpopt0", "bsdutils"):
        fetched = apt.download(name)
        published = [p for p in debian_debs() if p.name.startswith(f"{name}_")]
        assert sha256(fetched) == sha256(published[0])
    apt.run("install", "--download-only", "-y", "--no-install-recommends", "r2-common", "r2-hello")
    archives = sorted(p.name for p in (tmp_path / "var/cache/apt/archives").glob("*.deb"))
    # The newest r2-hello across both dists (2.0-1 in trixie) wins.
    assert archives == ["r2-common_0.5_all.deb", "r2-hello_2.0-1_amd64.deb"]


def test_arm64_client_sees_its_arch_and_all(tmp_path, url, key_dir, fixture_debs):
    apt = client(tmp_path, url, key_dir / "key.gpg", arch="arm64")
    apt.update()
    show = apt.show("r2-hello")
    assert "Architecture: arm64" in show
    fetched = apt.download("r2-hello=1.0-1")
    assert sha256(fetched) == sha256(fixture_debs["hello-arm64"])
    assert "Architecture: all" in apt.show("r2-common")
    missing = apt.run("show", "r2-epoch", tool="apt-cache", check=False)
    assert missing.returncode != 0


def test_two_dists_are_separate(tmp_path, url, key_dir):
    apt = client(tmp_path, url, key_dir / "key.gpg")
    apt.update()
    policy = apt.policy("r2-hello")
    assert "2.0-1" in policy and "trixie/contrib" in policy
    assert "1.0-1" in policy and "bookworm/main" in policy
    assert apt.run("show", "hello", tool="apt-cache").stdout.count("Package: hello\n") == 1


@pytest.mark.parametrize("signature", ["InRelease", "Release.gpg"])
@pytest.mark.parametrize("which_key", ["key_dir", "second_key_dir"])
def test_gpgv_and_sqv_accept_signatures_with_either_key(
    tmp_path, url, signature, which_key, request
):
    keyring = tmp_path / "key.gpg"
    keys = request.getfixturevalue(which_key)
    keyring.write_bytes((keys / "key.gpg").read_bytes())
    files = {}
    for name in ("InRelease", "Release", "Release.gpg"):
        files[name] = tmp_path / name
        with urllib.request.urlopen(f"{url}dists/bookworm/{name}") as response:
            files[name].write_bytes(response.read())
    if signature == "InRelease":
        gpgv_args = [str(files["InRelease"])]
        message, detached = split_clearsigned(files["InRelease"], tmp_path)
        sqv_args = [str(detached), str(message)]
    else:
        gpgv_args = [str(files["Release.gpg"]), str(files["Release"])]
        sqv_args = gpgv_args
    gpgv = subprocess.run(
        ["gpgv", "--status-fd", "1", "--keyring", str(keyring), *gpgv_args],
        capture_output=True,
        text=True,
    )
    # With one of the two keys gpgv exits 2 (the other signature has no public key), as apt
    # expects during a rotation; what counts is a VALIDSIG from the key the client trusts.
    fingerprint = (
        subprocess.run(
            ["gpg", "--with-colons", "--show-keys", str(keyring)], capture_output=True, text=True
        )
        .stdout.split("fpr:::::::::")[1]
        .split(":")[0]
    )
    assert f"[GNUPG:] VALIDSIG {fingerprint}" in gpgv.stdout, gpgv.stdout + gpgv.stderr
    sqv = subprocess.run(["sqv", "--keyring", str(keyring), *sqv_args], capture_output=True)
    assert sqv.returncode == 0, sqv.stderr


def test_published_key_is_the_signing_keys(url, key_dir, second_key_dir, tmp_path):
    with urllib.request.urlopen(f"{url}key.gpg") as response:
        (tmp_path / "key.gpg").write_bytes(response.read())
    with urllib.request.urlopen(f"{url}dists/bookworm/InRelease") as response:
        (tmp_path / "InRelease").write_bytes(response.read())
    done = subprocess.run(
        ["gpgv", "--keyring", str(tmp_path / "key.gpg"), str(tmp_path / "InRelease")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0
    assert done.stderr.count("Good signature") == 2


def split_clearsigned(path: Path, directory: Path) -> tuple[Path, Path]:
    """What apt does before calling sqv: the signed text and a detached signature."""
    text = path.read_text()
    _, rest = text.split("\n\n", 1)
    body, signature = rest.split("-----BEGIN PGP SIGNATURE-----", 1)
    lines = body.split("\n")[:-1]
    message = directory / "InRelease.message"
    message.write_text("\n".join(line[2:] if line.startswith("- ") else line for line in lines))
    detached = directory / "InRelease.sig"
    detached.write_text("-----BEGIN PGP SIGNATURE-----" + signature)
    return message, detached
