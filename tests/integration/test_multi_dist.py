"""`--dist` repeated on publish, remove and release: each input read once, each package uploaded
once into the shared pool, each dist its own compare-and-swap; a failure part-way names what
holds the change; `--pool-per-dist` for per-codename builds. Real apt-get reads the results."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import tree_digest
from tests.support.apt import AptClient
from tests.support.debs import build_deb
from tests.support.packaging import tool_args, tool_sources
from tests.support.server import serving

DISTS = ("bookworm", "trixie", "jammy")


@pytest.fixture(scope="module")
def debs(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("multidist")
    (work / "other").mkdir()
    return {
        "tool": build_deb(work, "md-tool", "1.0", "amd64"),
        "lib": build_deb(work, "md-lib", "2.0", "all"),
        # Same name, version and architecture, other bytes: built separately for one codename.
        "tool-other": build_deb(work / "other", "md-tool", "1.0", "amd64", payload="rebuilt\n"),
    }


def dist_args(*dists: str) -> list[str]:
    return [arg for dist in dists for arg in ("--dist", dist)]


@pytest.mark.slow
def test_publish_to_several_dists_one_pool_file_apt_installs_from_each(
    r2repo, key_dir, debs, tmp_path
):
    store = tmp_path / "store"
    signing = ("--signing-key", key_dir / "signing-key.asc")
    done = r2repo("publish", "--store", store, *signing, *dist_args(*DISTS), debs["tool"])
    assert done.code == 0, done
    for dist in DISTS:
        assert f"added\t{dist}\tmd-tool 1.0 amd64" in done.out
    assert [p.relative_to(store).as_posix() for p in store.rglob("*.deb")] == [
        "pool/main/m/md-tool/md-tool_1.0_amd64.deb"
    ]
    assert r2repo("verify", "--store", store).code == 0
    with serving(store) as url:
        for dist in DISTS[:2]:
            apt = AptClient(tmp_path / f"apt-{dist}")
            apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {url} {dist} main"])
            apt.update()
            assert apt.download("md-tool").read_bytes() == debs["tool"].read_bytes()


def test_remove_from_several_dists_and_a_missing_package_changes_nothing(
    r2repo, key_dir, debs, tmp_path
):
    store = tmp_path / "store"
    signing = ("--signing-key", key_dir / "signing-key.asc")
    base = ("--store", store, *signing)
    assert r2repo("publish", *base, *dist_args(*DISTS), debs["tool"], debs["lib"]).code == 0
    assert r2repo("remove", *base, "--dist", "jammy", "md-lib").code == 0
    before = tree_digest(store)
    missing = r2repo("remove", *base, *dist_args(*DISTS), "md-lib")
    assert missing.code == 1 and missing.err == "error: md-lib: not in jammy/main\n", missing
    assert tree_digest(store) == before
    done = r2repo("remove", *base, *dist_args("bookworm", "trixie"), "md-tool=1.0")
    assert done.code == 0, done
    assert "removed\tbookworm\tmd-tool 1.0 amd64" in done.out
    assert "removed\ttrixie\tmd-tool 1.0 amd64" in done.out
    listed = r2repo("list", "--store", store).out.splitlines()
    assert sorted(listed) == [
        "bookworm\tmain\tmd-lib\t2.0\tall",
        "jammy\tmain\tmd-tool\t1.0\tamd64",
        "trixie\tmain\tmd-lib\t2.0\tall",
    ]


@pytest.mark.slow
def test_other_bytes_in_another_dist_are_refused_naming_pool_per_dist(
    r2repo, key_dir, debs, tmp_path
):
    store = tmp_path / "store"
    base = ("--store", store, "--signing-key", key_dir / "signing-key.asc")
    assert r2repo("publish", *base, "--dist", "bookworm", debs["tool"]).code == 0
    before = tree_digest(store)
    refused = r2repo("publish", *base, "--dist", "jammy", "--dist", "noble", debs["tool-other"])
    assert refused.code == 1, refused
    assert "--pool-per-dist" in refused.err and refused.err.count("\n") == 1, refused.err
    assert tree_digest(store) == before

    # With the option each dist has its own pool path; both builds install.
    per = ("--pool-per-dist",)
    assert r2repo("publish", *base, *per, "--dist", "focal", debs["tool"]).code == 0
    done = r2repo("publish", *base, *per, "--dist", "jammy", "--dist", "noble", debs["tool-other"])
    assert done.code == 0, done
    pool = sorted(p.relative_to(store).as_posix() for p in store.rglob("*.deb"))
    assert pool == [
        "pool/main/m/md-tool/focal/md-tool_1.0_amd64.deb",
        "pool/main/m/md-tool/jammy/md-tool_1.0_amd64.deb",
        "pool/main/m/md-tool/md-tool_1.0_amd64.deb",
        "pool/main/m/md-tool/noble/md-tool_1.0_amd64.deb",
    ]
    assert r2repo("verify", "--store", store).code == 0
    with serving(store) as url:
        for dist, deb in (("focal", debs["tool"]), ("noble", debs["tool-other"])):
            apt = AptClient(tmp_path / f"apt-{dist}")
            apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {url} {dist} main"])
            apt.update()
            apt.install("md-tool")
            installed = apt.root / "usr/share/md-tool/README"
            expected = "rebuilt\n" if deb == debs["tool-other"] else "md-tool 1.0\n"
            assert installed.read_text() == expected


@pytest.mark.slow
def test_s3_uploads_once_and_a_failed_dist_is_named_then_finished(r2repo, moto_s3, key_dir, debs):
    bucket = moto_s3.bucket()
    store = f"s3://{bucket}"
    base = ("--store", store, "--signing-key", key_dir / "signing-key.asc")
    pool_key = "pool/main/m/md-tool/md-tool_1.0_amd64.deb"
    mark = moto_s3.log.mark()
    moto_s3.faults["PUT dists/trixie/InRelease"] = 403
    try:
        partial = r2repo("publish", *base, *dist_args(*DISTS), debs["tool"])
    finally:
        del moto_s3.faults["PUT dists/trixie/InRelease"]
    assert partial.code == 1, partial
    assert "added\tbookworm\tmd-tool 1.0 amd64" in partial.out
    assert "added\tjammy\tmd-tool 1.0 amd64" in partial.out
    assert "trixie" not in partial.out
    line = partial.err.splitlines()[-1]
    assert line.startswith("error: dist trixie: "), partial.err
    assert "the change is in bookworm, jammy but not in trixie: run the same command again" in line
    assert moto_s3.log.since(mark, "PUT", bucket).count(pool_key) == 1

    mark = moto_s3.log.mark()
    rerun = r2repo("publish", *base, *dist_args(*DISTS), debs["tool"])
    assert rerun.code == 0, rerun
    assert "added\ttrixie\tmd-tool 1.0 amd64" in rerun.out
    assert "unchanged\tbookworm\tmd-tool 1.0 amd64" in rerun.out
    puts = moto_s3.log.since(mark, "PUT", bucket)
    assert "dists/trixie/InRelease" in puts and pool_key not in puts
    assert r2repo("verify", "--store", store).code == 0


def test_release_to_the_dists_of_r2repo_toml(r2repo, key_dir, tmp_path, monkeypatch):
    sources = tool_sources(tmp_path / "src")
    config = tmp_path / "r2repo.toml"
    config.write_text('[publish]\ndists = ["bookworm", "trixie"]\n')
    store = tmp_path / "store"
    args = tool_args(sources, "--format", "deb")
    done = r2repo(
        "release", "--store", store, "--signing-key", key_dir / "signing-key.asc",
        "--config", config, *args,
    )  # fmt: skip
    assert done.code == 0, done
    for dist in ("bookworm", "trixie"):
        assert f"added\t{dist}\tmytool 1.4.2 amd64" in done.out
    config.write_text('[publish]\ndists = "bookworm"\n')
    bad = r2repo("release", "--store", store, "--config", config, *args)
    assert (
        bad.code == 1 and bad.err == f"error: {config}: [publish] dists must be a list of strings\n"
    )
