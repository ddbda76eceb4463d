"""`r2repo copy --from-rpm-path P --to-rpm-path Q`: each file copied inside the store (no byte
sent again), `--move`, bad input one line and nothing changed; real dnf and zypper install from
the target root, on a local store and on moto's S3."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import tree_digest
from tests.support.rpmclients import DnfClient, ZypperClient, run
from tests.support.rpms import build_rpm
from tests.support.server import free_port, serving

COPY = ("copy", "--from-rpm-path", "rpm/testing", "--to-rpm-path", "rpm/stable")


@pytest.fixture(scope="module")
def rpms(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("copyrpms")
    return {
        "tool": build_rpm(work, "cp-tool", "1.0", "1", "x86_64"),
        "tool-next": build_rpm(work, "cp-tool", "1.1", "1", "x86_64"),
        "lib": build_rpm(work, "cp-lib", "2.0", "1", "noarch", epoch=3),
    }


def listed(r2repo, store: str | Path, root: str) -> list[str]:
    return sorted(r2repo("list", "--store", store, "--rpm-path", root).out.splitlines())


def publish_testing(r2repo, store: str | Path, key_dir: Path, base: str, *files: Path) -> None:
    done = r2repo(
        "publish", "--store", store, "--signing-key", key_dir / "signing-key.asc",
        "--rpm-path", "rpm/testing", "--base-url", base, "--sign-packages", *files,
    )  # fmt: skip
    assert done.code == 0, done


def install_from_stable(tmp_path: Path, store: str | Path, key_dir: Path, port: int) -> None:
    """dnf (with the .repo file the copy wrote, gpgcheck=1) and zypper install from rpm/stable."""
    with serving(store, port) as url:
        dnf = DnfClient(tmp_path / "dnf")
        repo = run(["curl", "-fsS", f"{url}rpm/stable/r2repo.repo"]).stdout
        assert f"baseurl={url}rpm/stable" in repo and "gpgcheck=1" in repo
        dnf.add_repo_file(repo)
        dnf.dnf("install", "cp-tool", "cp-lib")
        assert dnf.installed() == ["cp-lib-3:2.0-1.noarch", "cp-tool-1.0-1.x86_64"]
        zypper = ZypperClient(tmp_path / "zypper")
        zypper.import_key(key_dir / "key.asc")
        zypper.zypper("addrepo", "--check", f"{url}rpm/stable", "stable")
        zypper.zypper("refresh")
        zypper.zypper("install", "--no-recommends", "cp-tool", "cp-lib")
        got = run(["rpm", "--root", str(tmp_path / "zypper"), "-q", "cp-tool", "cp-lib"]).stdout
        assert got.split() == ["cp-tool-1.0-1.x86_64", "cp-lib-2.0-1.noarch"]


@pytest.mark.slow  # real dnf and zypper
def test_copy_and_move_between_rpm_roots_on_a_local_store(r2repo, key_dir, rpms, tmp_path):
    store = tmp_path / "store"
    port = free_port()
    publish_testing(r2repo, store, key_dir, f"http://127.0.0.1:{port}", *rpms.values())
    testing = tree_digest(store / "rpm/testing/Packages")
    key = ("--store", store, "--signing-key", key_dir / "signing-key.asc")
    done = r2repo(*COPY, *key, "cp-tool=1.0")
    assert done.code == 0, done
    assert done.out == "added\trpm/stable\tcp-tool 1.0-1 x86_64\n"
    moved = r2repo(*COPY, *key, "--move", "cp-lib=3:2.0-1")
    assert moved.code == 0, moved
    assert moved.out == (
        "added\trpm/stable\tcp-lib 3:2.0-1 noarch\nremoved\trpm/testing\tcp-lib 3:2.0-1 noarch\n"
    )
    assert listed(r2repo, store, "rpm/stable") == [
        "rpm/stable\trpm\tcp-lib\t3:2.0-1\tnoarch",
        "rpm/stable\trpm\tcp-tool\t1.0-1\tx86_64",
    ]
    assert listed(r2repo, store, "rpm/testing") == [
        "rpm/testing\trpm\tcp-tool\t1.0-1\tx86_64",
        "rpm/testing\trpm\tcp-tool\t1.1-1\tx86_64",
    ]
    # The source's files are untouched; the target's are the same files (hard links).
    assert tree_digest(store / "rpm/testing/Packages") == testing
    for name in ("c/cp-tool-1.0-1.x86_64.rpm", "c/cp-lib-2.0-1.noarch.rpm"):
        source = os.stat(store / "rpm/testing/Packages" / name)
        copied = os.stat(store / "rpm/stable/Packages" / name)
        assert (copied.st_ino, copied.st_dev) == (source.st_ino, source.st_dev)
    again = r2repo(*COPY, *key, "cp-tool=1.0")
    assert (again.code, again.out) == (0, "unchanged\trpm/stable\tcp-tool 1.0-1 x86_64\n")
    assert r2repo("verify", "--store", store).code == 0
    install_from_stable(tmp_path, store, key_dir, port)


@pytest.mark.slow  # real dnf and zypper
def test_copy_all_between_rpm_roots_on_s3_sends_no_package_byte(
    r2repo, moto_s3, key_dir, rpms, tmp_path
):
    bucket = moto_s3.bucket()
    store = f"s3://{bucket}"
    port = free_port()
    publish_testing(r2repo, store, key_dir, f"http://127.0.0.1:{port}", rpms["tool"], rpms["lib"])
    mark = moto_s3.log.mark()
    key = ("--store", store, "--signing-key", key_dir / "signing-key.asc")
    done = r2repo(*COPY, *key, "--all")
    assert done.code == 0, done
    assert len(done.out.splitlines()) == 2
    uploads = moto_s3.log.uploads_since(mark, bucket)
    assert "rpm/stable/repodata/repomd.xml" in uploads
    assert not [k for k in uploads if k.endswith(".rpm")]
    assert moto_s3.log.copies_since(mark, bucket) == {
        f"rpm/stable/Packages/c/{name}": f"{bucket}/rpm/testing/Packages/c/{name}"
        for name in ("cp-tool-1.0-1.x86_64.rpm", "cp-lib-2.0-1.noarch.rpm")
    }
    assert r2repo("verify", "--store", store).code == 0
    install_from_stable(tmp_path, store, key_dir, port)


def test_rpm_copy_bad_input_is_one_line_and_changes_nothing(r2repo, key_dir, rpms, tmp_path):
    store = tmp_path / "store"
    publish_testing(r2repo, store, key_dir, "http://127.0.0.1:1", rpms["tool"])
    key = ("--store", store, "--signing-key", key_dir / "signing-key.asc")
    assert r2repo(*COPY, *key, "cp-tool").code == 0
    before = tree_digest(store)
    move = (*COPY, "--move")
    for args, line in (
        ((*move, "cp-tool", "cp-nope"), "error: cp-nope: not in rpm/testing\n"),
        ((*move, "cp-tool=9"), "error: cp-tool=9: not in rpm/testing\n"),
        (("copy", "--from-rpm-path", "rpm/nope", "--to-rpm-path", "rpm/stable", "--all"),
         f"error: --from-rpm-path rpm/nope: no such RPM repository in {store}\n"),
        (("copy", "--from-rpm-path", "rpm/testing", "--to-rpm-path", "rpm/testing", "--all"),
         "error: --to-rpm-path rpm/testing: the same RPM repository as --from-rpm-path\n"),
        (("copy", "--from-rpm-path", "rpm/testing", "--to-rpm-path", "pool/x", "--all"),
         "error: rpm path 'pool/x': clashes with the APT layout or the private prefix\n"),
    ):  # fmt: skip
        refused = r2repo(*args, *key)
        assert (refused.code, refused.err) == (1, line), refused
    for args in (
        (*COPY, "--from-dist", "a", "--all"),
        ("copy", "--from-rpm-path", "rpm/testing", "--all"),
        (*COPY, "--all", "cp-tool"),
    ):
        assert r2repo(*args, *key).code == 2
    assert tree_digest(store) == before
