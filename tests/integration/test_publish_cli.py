"""`r2repo publish/remove/list/keys` through the CLI, against a local store."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from debian.deb822 import Packages, Release

from tests.conftest import tree_digest
from tests.support.debs import build_deb


@pytest.fixture
def key(key_dir: Path) -> list[str]:
    return ["--signing-key", str(key_dir / "signing-key.asc")]


def stanzas(path: Path) -> list[Packages]:
    return list(Packages.iter_paragraphs(path.read_text(), use_apt_pkg=False))


def packages_of(store: Path, dist: str, component: str = "main", arch: str = "amd64"):
    text = (store / f"dists/{dist}/{component}/binary-{arch}/Packages").read_text()
    return [
        (p["Package"], p["Version"], p["Architecture"])
        for p in Packages.iter_paragraphs(text, use_apt_pkg=False)
    ]


def test_publish_writes_the_debian_layout(tmp_path, r2repo, key):
    deb = build_deb(tmp_path, "libr2-x1", "1.2-1", "amd64", extra="Source: libr2-x\n")
    store = tmp_path / "store"
    result = r2repo("publish", "--store", store, "--dist", "bookworm", *key, deb)
    assert result.code == 0, result
    assert "added\tbookworm\tlibr2-x1 1.2-1 amd64" in result.out
    assert (store / "pool/main/libr/libr2-x/libr2-x1_1.2-1_amd64.deb").is_file()
    release = Release((store / "dists/bookworm/Release").read_text())
    for field in ("Origin", "Label", "Suite", "Codename", "Date", "Description"):
        assert release[field]
    assert release["Acquire-By-Hash"] == "yes"
    assert release["Architectures"] == "amd64" and release["Components"] == "main"
    listed = {entry["name"] for entry in release["SHA512"]}
    assert {
        "main/binary-amd64/Packages",
        "main/binary-amd64/Packages.xz",
        "main/binary-amd64/Packages.gz",
        "main/binary-amd64/Release",
    } <= listed
    for field in ("SHA256", "MD5Sum", "SHA1"):
        assert {entry["name"] for entry in release[field]} == listed, field
    # One by-hash copy per index, under the strongest hash listed: the one apt fetches by.
    for entry in release["SHA512"]:
        folder = entry["name"].rsplit("/", 1)[0]
        assert (store / f"dists/bookworm/{folder}/by-hash/SHA512/{entry['sha512']}").is_file()
    assert not list(store.glob("dists/bookworm/*/*/by-hash/SHA256"))
    assert not list(store.glob("dists/bookworm/*/*/by-hash/MD5Sum"))
    (stanza,) = stanzas(store / "dists/bookworm/main/binary-amd64/Packages")
    for field in (
        "Filename",
        "Size",
        "MD5sum",
        "SHA1",
        "SHA256",
        "SHA512",
        "Maintainer",
        "Description",
    ):
        assert stanza[field], field
    assert (store / "key.asc").read_text().startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert (store / "key.gpg").stat().st_size > 100


def test_all_packages_appear_in_every_architecture(tmp_path, r2repo, key):
    store = tmp_path / "store"
    debs = [
        build_deb(tmp_path, "r2-a", "1", "amd64"),
        build_deb(tmp_path, "r2-b", "1", "arm64"),
        build_deb(tmp_path, "r2-doc", "1", "all"),
    ]
    assert r2repo("publish", "--store", store, "--dist", "d", *key, *debs).code == 0
    assert packages_of(store, "d", arch="amd64") == [("r2-a", "1", "amd64"), ("r2-doc", "1", "all")]
    assert packages_of(store, "d", arch="arm64") == [("r2-b", "1", "arm64"), ("r2-doc", "1", "all")]


def test_identical_republish_is_a_no_op(tmp_path, r2repo, key):
    store = tmp_path / "store"
    deb = build_deb(tmp_path, "r2-same", "1.0", "amd64")
    assert r2repo("publish", "--store", store, "--dist", "d", *key, deb).code == 0
    before = tree_digest(store)
    again = r2repo("publish", "--store", store, "--dist", "d", *key, deb)
    assert again.code == 0
    assert "unchanged\td\tr2-same 1.0 amd64" in again.out
    assert tree_digest(store) == before


def test_keep_newest_versions_in_debian_order(tmp_path, r2repo, key):
    store = tmp_path / "store"
    versions = ["1.0~rc1-1", "1.0-1", "1:0.9-1", "0.5-1"]
    debs = [build_deb(tmp_path, "r2-multi", v, "amd64") for v in versions]
    assert r2repo("publish", "--store", store, "--dist", "d", *key, *debs).code == 0
    assert len(packages_of(store, "d")) == 4
    extra = build_deb(tmp_path, "r2-other", "1", "amd64")
    result = r2repo("publish", "--store", store, "--dist", "d", "--keep", "2", *key, extra)
    assert result.code == 0, result
    assert packages_of(store, "d") == [
        ("r2-multi", "1.0-1", "amd64"),
        ("r2-multi", "1:0.9-1", "amd64"),
        ("r2-other", "1", "amd64"),
    ]
    assert "removed\td\tr2-multi 0.5-1 amd64" in result.out
    # Files leave the pool only through gc, after the grace period.
    assert (store / "pool/main/r/r2-multi/r2-multi_0.5-1_amd64.deb").is_file()


def test_other_bytes_are_refused_unless_replace(tmp_path, r2repo, key):
    store = tmp_path / "store"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = build_deb(tmp_path / "a", "r2-x", "1", payload="one")
    second = build_deb(tmp_path / "b", "r2-x", "1", payload="two")
    assert r2repo("publish", "--store", store, "--dist", "d", *key, first).code == 0
    before = tree_digest(store)
    refused = r2repo("publish", "--store", store, "--dist", "d", *key, second)
    assert refused.code == 1
    assert str(second) in refused.err and "--replace" in refused.err
    assert len(refused.err.strip().splitlines()) == 1
    assert tree_digest(store) == before
    replaced = r2repo("publish", "--store", store, "--dist", "d", "--replace", *key, second)
    assert replaced.code == 0, replaced
    (stanza,) = stanzas(store / "dists/d/main/binary-amd64/Packages")
    # The old file stays where clients with the old index expect it; the new one goes beside it.
    assert stanza["Filename"] != "pool/main/r/r2-x/r2-x_1_amd64.deb"
    assert (store / stanza["Filename"]).read_bytes() == second.read_bytes()
    assert (store / "pool/main/r/r2-x/r2-x_1_amd64.deb").read_bytes() == first.read_bytes()


def test_same_pool_file_in_another_dist_with_other_bytes_is_refused(tmp_path, r2repo, key):
    store = tmp_path / "store"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = build_deb(tmp_path / "a", "r2-y", "1", payload="one")
    second = build_deb(tmp_path / "b", "r2-y", "1", payload="two")
    assert r2repo("publish", "--store", store, "--dist", "one", *key, first).code == 0
    before = tree_digest(store)
    refused = r2repo("publish", "--store", store, "--dist", "two", *key, second)
    assert refused.code == 1 and "already holds other bytes" in refused.err
    assert "--pool-per-dist gives each dist its own pool path" in refused.err
    assert tree_digest(store) == before


def test_publishing_one_dist_leaves_the_others_untouched(tmp_path, r2repo, key):
    store = tmp_path / "store"
    assert (
        r2repo(
            "publish", "--store", store, "--dist", "one", *key, build_deb(tmp_path, "r2-one", "1")
        ).code
        == 0
    )
    before = tree_digest(store / "dists/one")
    assert (
        r2repo(
            "publish",
            "--store",
            store,
            "--dist",
            "two",
            "--component",
            "extra",
            *key,
            build_deb(tmp_path, "r2-two", "1"),
        ).code
        == 0
    )
    assert tree_digest(store / "dists/one") == before
    assert packages_of(store, "two", "extra") == [("r2-two", "1", "amd64")]


def test_second_component_keeps_the_first(tmp_path, r2repo, key):
    store = tmp_path / "store"
    assert (
        r2repo(
            "publish", "--store", store, "--dist", "d", *key, build_deb(tmp_path, "r2-main", "1")
        ).code
        == 0
    )
    assert (
        r2repo(
            "publish",
            "--store",
            store,
            "--dist",
            "d",
            "--component",
            "contrib",
            *key,
            build_deb(tmp_path, "r2-contrib", "1", "arm64"),
        ).code
        == 0
    )
    release = Release((store / "dists/d/Release").read_text())
    assert release["Components"] == "contrib main"
    assert release["Architectures"] == "amd64 arm64"
    assert packages_of(store, "d", "main") == [("r2-main", "1", "amd64")]
    assert packages_of(store, "d", "contrib", "arm64") == [("r2-contrib", "1", "arm64")]


def test_release_options_are_kept_by_later_publishes(tmp_path, r2repo, key):
    store = tmp_path / "store"
    assert (
        r2repo(
            "publish",
            "--store",
            store,
            "--dist",
            "d",
            "--origin",
            "Acme",
            "--label",
            "Acme Tools",
            "--suite",
            "stable",
            "--description",
            "Acme's packages",
            *key,
            build_deb(tmp_path, "r2-a", "1"),
        ).code
        == 0
    )
    assert (
        r2repo(
            "publish", "--store", store, "--dist", "d", *key, build_deb(tmp_path, "r2-b", "1")
        ).code
        == 0
    )
    release = Release((store / "dists/d/Release").read_text())
    assert (release["Origin"], release["Label"], release["Suite"], release["Codename"]) == (
        "Acme",
        "Acme Tools",
        "stable",
        "d",
    )
    assert release["Description"] == "Acme's packages"


def test_remove_and_list(tmp_path, r2repo, key):
    store = tmp_path / "store"
    debs = [build_deb(tmp_path, "r2-a", v) for v in ("1", "2")] + [build_deb(tmp_path, "r2-b", "1")]
    assert r2repo("publish", "--store", store, "--dist", "d", *key, *debs).code == 0
    listed = r2repo("list", "--store", store)
    assert listed.out.splitlines() == [
        "d\tmain\tr2-a\t1\tamd64",
        "d\tmain\tr2-a\t2\tamd64",
        "d\tmain\tr2-b\t1\tamd64",
    ]
    assert r2repo("remove", "--store", store, "--dist", "d", *key, "r2-a=1").code == 0
    assert r2repo("list", "--store", store, "--dist", "d").out.splitlines() == [
        "d\tmain\tr2-a\t2\tamd64",
        "d\tmain\tr2-b\t1\tamd64",
    ]
    assert r2repo("remove", "--store", store, "--dist", "d", *key, "r2-b").code == 0
    assert packages_of(store, "d") == [("r2-a", "2", "amd64")]
    before = tree_digest(store)
    missing = r2repo("remove", "--store", store, "--dist", "d", *key, "r2-nothere")
    assert missing.code == 1 and "r2-nothere" in missing.err
    assert tree_digest(store) == before


def test_signing_key_from_environment(tmp_path, r2repo, key_dir, monkeypatch):
    monkeypatch.setenv("R2REPO_SIGNING_KEY", (key_dir / "signing-key.asc").read_text())
    store = tmp_path / "store"
    assert (
        r2repo("publish", "--store", store, "--dist", "d", build_deb(tmp_path, "r2-a", "1")).code
        == 0
    )
    assert (store / "key.gpg").read_bytes() == (key_dir / "key.gpg").read_bytes()


@pytest.mark.slow  # makes an RSA 4096 key
def test_without_a_key_one_is_made_once_and_reused(tmp_path, r2repo, monkeypatch):
    monkeypatch.delenv("R2REPO_SIGNING_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    first = r2repo("publish", "--store", "s", "--dist", "d", build_deb(tmp_path, "r2-a", "1"))
    assert first.code == 0 and "generated a new signing key" in first.err
    secret = tmp_path / ".r2repo/keys/signing-key.asc"
    assert oct(secret.stat().st_mode & 0o777) == "0o600"
    made = secret.read_bytes()
    second = r2repo("publish", "--store", "s", "--dist", "d", build_deb(tmp_path, "r2-b", "1"))
    assert second.code == 0 and "generated" not in second.err
    assert secret.read_bytes() == made


def test_keys_generate_refuses_to_overwrite(key_dir, r2repo):
    result = r2repo("keys", "generate", "--output-dir", key_dir)
    assert result.code == 1 and "already exists" in result.err


BAD_CONTROLS = {
    "no-version": "Package: r2-bad\nArchitecture: amd64\nDescription: x\n",
    "bad-version": "Package: r2-bad\nVersion: 1.0 beta\nArchitecture: amd64\nDescription: x\n",
    "no-digit-version": "Package: r2-bad\nVersion: abc\nArchitecture: amd64\nDescription: x\n",
    "slash-name": "Package: r2/bad\nVersion: 1.0\nArchitecture: amd64\nDescription: x\n",
    "upper-name": "Package: R2Bad\nVersion: 1.0\nArchitecture: amd64\nDescription: x\n",
}


def raw_deb(directory: Path, control: str) -> Path:
    """A .deb with an arbitrary control file (dpkg-deb would refuse to build these)."""
    import subprocess
    import tarfile

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "control").write_text(control)
    with tarfile.open(directory / "control.tar.gz", "w:gz") as tar:
        tar.add(directory / "control", arcname="./control")
    with tarfile.open(directory / "data.tar.gz", "w:gz"):
        pass
    (directory / "debian-binary").write_text("2.0\n")
    output = directory / "bad.deb"
    subprocess.run(
        ["ar", "rc", str(output), "debian-binary", "control.tar.gz", "data.tar.gz"],
        cwd=directory,
        check=True,
    )
    return output


@pytest.mark.parametrize(
    "case",
    [
        "text",
        "truncated",
        "empty",
        "not-a-package-suffix",
        "missing-file",
        "duplicate-different",
        *BAD_CONTROLS,
    ],
)
def test_bad_input_fails_cleanly_and_changes_nothing(tmp_path, r2repo, key, case):
    store = tmp_path / "store"
    good = build_deb(tmp_path, "r2-good", "1")
    assert r2repo("publish", "--store", store, "--dist", "d", *key, good).code == 0
    before = tree_digest(store)
    if case == "text":
        bad = tmp_path / "notes.deb"
        bad.write_text("this is not a package\n")
    elif case == "truncated":
        whole = build_deb(tmp_path, "r2-big", "1", payload=os.urandom(40000).hex())
        bad = tmp_path / "cut.deb"
        bad.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    elif case == "empty":
        bad = tmp_path / "empty.deb"
        bad.write_bytes(b"")
    elif case == "not-a-package-suffix":
        bad = tmp_path / "readme.txt"
        bad.write_text("x")
    elif case == "missing-file":
        bad = tmp_path / "nothere.deb"
    elif case == "duplicate-different":
        (tmp_path / "other").mkdir()
        bad = build_deb(tmp_path / "other", "r2-good", "1", payload="different")
        shutil.copy(bad, tmp_path / "dup.deb")
        bad = tmp_path / "dup.deb"
    else:
        bad = raw_deb(tmp_path / case, BAD_CONTROLS[case])
    # A good new package in the same command must not be published either.
    other = build_deb(tmp_path, "r2-new", "1")
    result = r2repo("publish", "--store", store, "--dist", "d", *key, other, bad)
    assert result.code == 1, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(bad) in lines[0], result.err
    assert tree_digest(store) == before


def test_usage_errors_exit_2(r2repo, tmp_path):
    assert r2repo("publish").code == 2
    assert r2repo("publish", "--store", tmp_path, "--keep", "0", "x.deb").code == 2


def test_invalid_dist_name_is_refused(tmp_path, r2repo, key):
    result = r2repo(
        "publish",
        "--store",
        tmp_path / "s",
        "--dist",
        "../evil",
        *key,
        build_deb(tmp_path, "r2-a", "1"),
    )
    assert result.code == 1 and "dist '../evil'" in result.err
    assert not (tmp_path / "s").exists()


def test_demo_publishes_both_kinds(tmp_path, r2repo, key_dir, monkeypatch):
    monkeypatch.setenv("R2REPO_SIGNING_KEY", (key_dir / "signing-key.asc").read_text())
    store = tmp_path / "demo"
    result = r2repo("demo", "--store", store, "--no-serve", "--port", "8799")
    assert result.code == 0, result
    assert "deb [signed-by=" in result.err and "http://127.0.0.1:8799/ stable main" in result.err
    listed = r2repo("list", "--store", store).out.splitlines()
    assert "stable\tmain\tr2repo-hello\t1.0.0\tamd64" in listed
    assert "rpm\trpm\tr2repo-docs\t2.0-1\tnoarch" in listed
    assert "baseurl=http://127.0.0.1:8799/rpm" in (store / "rpm/r2repo.repo").read_text()
    # The main job again (./scripts/demo run twice): the same samples, nothing changes.
    before = tree_digest(store)
    again = r2repo("demo", "--store", store, "--no-serve", "--port", "8799")
    assert again.code == 0, again
    assert tree_digest(store) == before


def test_link_inputs_links_new_package_files(tmp_path, r2repo, key):
    deb = build_deb(tmp_path, "linked", "1.0", "amd64")
    store = tmp_path / "store"
    result = r2repo("publish", "--store", store, "--dist", "d", "--link-inputs", *key, deb)
    assert result.code == 0, result
    pooled = store / "pool/main/l/linked/linked_1.0_amd64.deb"
    assert os.stat(pooled).st_ino == os.stat(deb).st_ino
    assert r2repo("verify", "--store", store).code == 0
    # Republishing the same file is a no-op; a second dist links nothing new either.
    again = r2repo("publish", "--store", store, "--dist", "d2", "--link-inputs", *key, deb)
    assert again.code == 0, again
    assert os.stat(pooled).st_nlink == 2


def test_link_inputs_copies_what_others_may_not_read(tmp_path, r2repo, key):
    deb = build_deb(tmp_path, "secretish", "1.0", "amd64")
    deb.chmod(0o600)
    store = tmp_path / "store"
    result = r2repo("publish", "--store", store, "--dist", "d", "--link-inputs", *key, deb)
    assert result.code == 0, result
    pooled = store / "pool/main/s/secretish/secretish_1.0_amd64.deb"
    assert os.stat(pooled).st_ino != os.stat(deb).st_ino
    assert os.stat(pooled).st_mode & 0o777 == 0o644


def test_link_inputs_needs_a_local_store(tmp_path, r2repo, key):
    deb = build_deb(tmp_path, "linked", "1.0", "amd64")
    result = r2repo(
        "publish", "--store", "s3://some-bucket", "--endpoint-url", "http://127.0.0.1:9",
        "--dist", "d", "--link-inputs", *key, deb,
    )  # fmt: skip
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "error: --link-inputs: s3://some-bucket is not a local directory; packages are uploaded"
    ]
