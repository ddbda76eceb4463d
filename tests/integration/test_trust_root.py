"""A repository's published keys are its trust root (issue 15, "silent damage").

A command that would sign an existing repository with another key is refused unless it asks for
a rotation; a gpgcheck=1 root never gets unsigned packages and `verify` checks each package's
signature there; republishing with --sign-packages is a no-op.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from publisher.cli import main
from routes.openpgp import public_keys
from tests.conftest import tree_digest
from tests.support.apt import AptClient
from tests.support.debs import build_deb
from tests.support.packaging import shell_args
from tests.support.rpmclients import DnfClient
from tests.support.rpms import build_rpm
from tests.support.server import free_port, serving


def fingerprint(key_dir: Path) -> str:
    (key,) = public_keys((key_dir / "key.gpg").read_bytes())
    return key.fingerprint


def published_fingerprints(store: Path, name: str = "key.gpg") -> list[str]:
    """Sorted: gpg exports keys in the order its keyring holds them."""
    return sorted(key.fingerprint for key in public_keys((store / name).read_bytes()))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, key_dir: Path) -> Path:
    """A store with a dist and an RPM root signed by `key_dir`'s key, published once."""
    store = tmp_path_factory.mktemp("trust") / "repo"
    work = store.parent / "work"
    work.mkdir()
    deb = build_deb(work, "hello", "1.2.0")
    rpm = build_rpm(work, "hello", "1.2.0")
    key = key_dir / "signing-key.asc"
    args = ["publish", "--store", store, "--dist", "bookworm", "--signing-key", key, deb, rpm]
    assert main([str(a) for a in args]) == 0
    return store


@pytest.fixture
def repo(published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of `published` of this test's own; the working directory holds no .r2repo/keys
    and $R2REPO_SIGNING_KEY is unset, as on a newcomer's machine."""
    store = tmp_path / "repo"
    shutil.copytree(published, store, symlinks=True)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("R2REPO_SIGNING_KEY", raising=False)
    return store


def commands(store: Path, tmp_path: Path) -> dict[str, list[str | Path]]:
    deb = build_deb(tmp_path, "other", "1.0")
    return {
        "publish": ["publish", "--store", store, "--dist", "bookworm", deb],
        "remove": ["remove", "--store", store, "--dist", "bookworm", "hello=1.2.0"],
        "remove-rpm": ["remove", "--store", store, "--rpm-path", "rpm", "hello"],
        "release": ["release", "--store", store, "--dist", "bookworm", *shell_args()],
        "set-base-url": ["set-base-url", "--store", store, "http://pkg.example.com"],
    }


@pytest.mark.parametrize(
    ("command", "key"),
    [
        # `release` builds its package before it is refused: one key case in the fast tier.
        pytest.param(
            command,
            key,
            id=f"{key}-{command}",
            marks=pytest.mark.slow if command == "release" and key != "none" else (),
        )
        for key in ("none", "other file", "other env")
        for command in ("publish", "remove", "remove-rpm", "release", "set-base-url")
    ],
)
def test_signing_with_a_key_the_repository_does_not_publish_is_refused(
    command, key, repo, r2repo, key_dir, second_key_dir, tmp_path, monkeypatch
):
    extra: list[str | Path] = []
    if key == "other file":
        extra = ["--signing-key", second_key_dir / "signing-key.asc"]
    elif key == "other env":
        monkeypatch.setenv("R2REPO_SIGNING_KEY", (second_key_dir / "signing-key.asc").read_text())
    argv = commands(repo, tmp_path)[command]
    before = tree_digest(repo)
    result = r2repo(*argv[:1], *extra, *argv[1:])
    assert result.code == 1, result
    error = result.err.strip()
    assert len(error.splitlines()) == 1 and error.startswith("error: "), error
    assert fingerprint(key_dir) in error
    assert "--signing-key FILE" in error and "$R2REPO_SIGNING_KEY" in error
    assert "--rotate-key" in error
    if key != "none":
        assert fingerprint(second_key_dir) in error
    assert tree_digest(repo) == before
    # No key was made for the working directory either: it would be refused anyway.
    assert not Path(".r2repo").exists()


@pytest.mark.slow  # makes an RSA 4096 key
def test_a_key_is_made_for_a_new_repository_only(r2repo, tmp_path, monkeypatch):
    monkeypatch.delenv("R2REPO_SIGNING_KEY", raising=False)
    store, first_dir, other_dir = tmp_path / "repo", tmp_path / "first", tmp_path / "other"
    first_dir.mkdir()
    other_dir.mkdir()
    monkeypatch.chdir(first_dir)
    made = r2repo("publish", "--store", store, build_rpm(tmp_path, "one", "1.0"))
    assert made.code == 0, made
    assert "generated a new signing key" in made.err
    before = tree_digest(store)
    monkeypatch.chdir(other_dir)  # the newcomer's mistake: another directory, no key
    refused = r2repo("publish", "--store", store, build_rpm(tmp_path, "two", "1.0"))
    assert refused.code == 1 and "no signing key given" in refused.err, refused
    assert tree_digest(store) == before and not (other_dir / ".r2repo").exists()
    monkeypatch.chdir(first_dir)  # where the key was made: reused
    reused = r2repo("publish", "--store", store, build_rpm(tmp_path, "two", "1.0"))
    assert reused.code == 0 and "generated" not in reused.err, reused


def gpgv_status(keyring: Path, *files: Path) -> str:
    done = subprocess.run(
        ["gpgv", "--status-fd", "1", "--keyring", str(keyring), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout


@pytest.mark.slow
def test_rotate_key_adds_the_new_key_beside_the_old_and_old_clients_keep_working(
    repo, r2repo, key_dir, second_key_dir, tmp_path
):
    old, new = fingerprint(key_dir), fingerprint(second_key_dir)
    keys = ["--signing-key", key_dir / "signing-key.asc"]
    keys += ["--signing-key", second_key_dir / "signing-key.asc"]
    deb, rpm = build_deb(tmp_path, "next", "2.0"), build_rpm(tmp_path, "next", "2.0")
    common = ["publish", "--store", repo, "--dist", "bookworm"]
    result = r2repo(*common, *keys, "--rotate-key", deb, rpm)
    assert result.code == 0, result
    for name in ("key.gpg", "key.asc", "rpm/repodata/repomd.xml.key"):
        assert published_fingerprints(repo, name) == sorted([old, new])
    # Signed by both keys: gpgv with either keyring alone finds a good signature by its key.
    for key in (key_dir, second_key_dir):
        status = gpgv_status(key / "key.gpg", repo / "dists/bookworm/InRelease")
        assert f"VALIDSIG {fingerprint(key)}" in status and "BADSIG" not in status
        repomd = repo / "rpm/repodata/repomd.xml"
        status = gpgv_status(key / "key.gpg", repomd.with_suffix(".xml.asc"), repomd)
        assert f"VALIDSIG {fingerprint(key)}" in status and "BADSIG" not in status
    # A real apt-get that trusts only the old key updates and installs.
    with serving(repo) as base:
        apt = AptClient(tmp_path / "apt")
        apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {base} bookworm main"])
        apt.update()
        apt.download("next")
    # From now on the new key alone may sign; the old one stays published.
    alone = build_deb(tmp_path, "alone", "1.0")
    result = r2repo(*common, "--signing-key", second_key_dir / "signing-key.asc", alone)
    assert result.code == 0, result
    assert published_fingerprints(repo) == sorted([old, new])
    assert r2repo("verify", "--store", repo).code == 0


def test_rotate_key_with_only_the_new_key_warns(repo, r2repo, key_dir, second_key_dir, tmp_path):
    deb = build_deb(tmp_path, "next", "2.0")
    result = r2repo(
        "publish", "--store", repo, "--dist", "bookworm",
        "--signing-key", second_key_dir / "signing-key.asc", "--rotate-key", deb,
    )  # fmt: skip
    assert result.code == 0, result
    assert "warning: --rotate-key: none of the repository's keys" in result.err
    assert fingerprint(key_dir) in result.err
    assert published_fingerprints(repo) == sorted(
        [fingerprint(key_dir), fingerprint(second_key_dir)]
    )
    assert r2repo("verify", "--store", repo).code == 0


# --- package signatures -------------------------------------------------------------------


def signed_publish(r2repo, store: Path, key_dir: Path, base: str, *rest):  # type: ignore[no-untyped-def]
    args = ["publish", "--store", store, "--signing-key", key_dir / "signing-key.asc"]
    return r2repo(*args, "--base-url", base, *rest)


def test_republishing_with_sign_packages_is_a_no_op(r2repo, key_dir, tmp_path):
    store = tmp_path / "repo"
    rpm = build_rpm(tmp_path, "hello", "1.0")
    first = signed_publish(r2repo, store, key_dir, "http://pkg.example", "--sign-packages", rpm)
    assert first.code == 0, first
    before = tree_digest(store)
    time.sleep(1.1)  # a signature made now would carry another time, so other bytes
    again = signed_publish(r2repo, store, key_dir, "http://pkg.example", "--sign-packages", rpm)
    assert again.code == 0, again
    assert "unchanged\trpm\thello 1.0-1 noarch" in again.out
    assert tree_digest(store) == before
    # Other bytes under the same name are still refused, naming the input, not a scratch copy.
    other = build_rpm(tmp_path / "other", "hello", "1.0", payload="other bytes")
    refused = signed_publish(r2repo, store, key_dir, "http://pkg.example", "--sign-packages", other)
    assert refused.code == 1
    assert refused.err.startswith(f"error: {other}: hello 1.0-1 noarch is already in rpm")
    assert tree_digest(store) == before


@pytest.mark.slow
def test_unsigned_packages_never_enter_a_gpgcheck_root_and_dnf_installs(r2repo, key_dir, tmp_path):
    store, port = tmp_path / "repo", free_port()
    base = f"http://127.0.0.1:{port}"
    first, second = build_rpm(tmp_path, "first", "1.0"), build_rpm(tmp_path, "second", "1.0")
    assert signed_publish(r2repo, store, key_dir, base, "--sign-packages", first).code == 0
    assert "gpgcheck=1" in (store / "rpm/r2repo.repo").read_text()
    before = tree_digest(store)
    refused = signed_publish(r2repo, store, key_dir, base, second)
    assert refused.code == 1
    error = refused.err.strip()
    assert len(error.splitlines()) == 1 and str(second) in error, error
    assert "gpgcheck=1" in error and "--sign-packages" in error
    assert tree_digest(store) == before
    assert signed_publish(r2repo, store, key_dir, base, "--sign-packages", second).code == 0
    assert r2repo("verify", "--store", store).code == 0
    with serving(store, port):
        dnf = DnfClient(tmp_path / "dnf")
        dnf.add_repo_file((store / "rpm/r2repo.repo").read_text())
        dnf.dnf("install", "first", "second")
    assert dnf.installed() == ["first-1.0-1.noarch", "second-1.0-1.noarch"]


def test_signing_packages_refuses_a_root_of_unsigned_packages(r2repo, key_dir, tmp_path):
    store = tmp_path / "repo"
    old, new = build_rpm(tmp_path, "old", "1.0"), build_rpm(tmp_path, "new", "1.0")
    assert signed_publish(r2repo, store, key_dir, "http://pkg.example", old).code == 0
    before = tree_digest(store)
    refused = signed_publish(r2repo, store, key_dir, "http://pkg.example", "--sign-packages", new)
    assert refused.code == 1
    assert "old 1.0-1 noarch has no signature" in refused.err and "--replace" in refused.err
    assert tree_digest(store) == before
    both = ["--sign-packages", "--replace", old, new]
    assert signed_publish(r2repo, store, key_dir, "http://pkg.example", *both).code == 0
    assert r2repo("verify", "--store", store).code == 0


def test_verify_reports_each_unsigned_or_foreign_package_of_a_gpgcheck_root(
    r2repo, key_dir, second_key_dir, tmp_path
):
    # A package signed by another key: signed by a publish into a scratch store.
    scratch = tmp_path / "scratch"
    foreign = build_rpm(tmp_path, "foreign", "1.0")
    signed = signed_publish(r2repo, scratch, second_key_dir, "http://x", "--sign-packages", foreign)
    assert signed.code == 0, signed
    foreign_signed = scratch / "rpm/Packages/f/foreign-1.0-1.noarch.rpm"
    # Published without --sign-packages (gpgcheck=0), then the .repo file is edited by hand.
    store = tmp_path / "repo"
    plain = build_rpm(tmp_path, "plain", "1.0")
    assert signed_publish(r2repo, store, key_dir, "http://x", plain, foreign_signed).code == 0
    assert r2repo("verify", "--store", store).code == 0
    repo_file = store / "rpm/r2repo.repo"
    repo_file.write_text(repo_file.read_text().replace("gpgcheck=0", "gpgcheck=1"))
    result = r2repo("verify", "--store", store)
    assert result.code == 1
    lines = sorted(result.out.splitlines())
    assert len(lines) == 2, result
    assert lines[0].startswith("rpm/Packages/f/foreign-1.0-1.noarch.rpm: bad signature (")
    assert lines[1] == "rpm/Packages/p/plain-1.0-1.noarch.rpm: not signed, and " + (
        "rpm/r2repo.repo says gpgcheck=1"
    )
