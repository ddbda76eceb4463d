"""`r2repo copy`: promotion between APT dists without uploading a package again; `--move`;
bad input is one line and changes nothing. apt-get installs from the target."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import tree_digest
from tests.support.apt import AptClient
from tests.support.debs import build_deb
from tests.support.server import serving


@pytest.fixture(scope="module")
def debs(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("copydebs")
    return {
        "tool": build_deb(work, "cp-tool", "1.0", "amd64"),
        "tool-next": build_deb(work, "cp-tool", "1.1", "amd64"),
        "lib": build_deb(work, "cp-lib", "2.0", "all"),
    }


def listed(r2repo, store: str | Path, dist: str) -> list[str]:
    return sorted(r2repo("list", "--store", store, "--dist", dist).out.splitlines())


@pytest.mark.slow
def test_copy_and_move_between_dists_upload_nothing(r2repo, key_dir, debs, tmp_path):
    store = tmp_path / "store"
    key = ("--signing-key", key_dir / "signing-key.asc")
    base = ("--store", store, *key)
    assert r2repo("publish", *base, "--dist", "staging", *debs.values()).code == 0
    pool = tree_digest(store / "pool")
    done = r2repo("copy", *base, "--from-dist", "staging", "--to-dist", "stable", "cp-tool=1.0")
    assert done.code == 0, done
    assert done.out == "added\tstable\tcp-tool 1.0 amd64\n"
    assert listed(r2repo, store, "stable") == ["stable\tmain\tcp-tool\t1.0\tamd64"]
    moved = r2repo(
        "copy", *base, "--from-dist", "staging", "--to-dist", "stable", "--move", "cp-lib"
    )
    assert moved.code == 0, moved
    assert "added\tstable\tcp-lib 2.0 all" in moved.out
    assert "removed\tstaging\tcp-lib 2.0 all" in moved.out
    assert listed(r2repo, store, "staging") == [
        "staging\tmain\tcp-tool\t1.0\tamd64",
        "staging\tmain\tcp-tool\t1.1\tamd64",
    ]
    assert tree_digest(store / "pool") == pool  # not one package file written
    assert r2repo("verify", "--store", store).code == 0
    with serving(store) as url:
        apt = AptClient(tmp_path / "apt")
        apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {url} stable main"])
        apt.update()
        assert apt.download("cp-tool").read_bytes() == debs["tool"].read_bytes()
        assert apt.download("cp-lib").read_bytes() == debs["lib"].read_bytes()


def test_copy_bad_input_is_one_line_and_changes_nothing(r2repo, key_dir, debs, tmp_path):
    store = tmp_path / "store"
    base = ("--store", store, "--signing-key", key_dir / "signing-key.asc")
    assert r2repo("publish", *base, "--dist", "staging", debs["tool"]).code == 0
    before = tree_digest(store)
    move = ("--from-dist", "staging", "--to-dist", "stable", "--move")
    for args, line in (
        ((*move, "cp-tool", "cp-nope"), "error: cp-nope: not in staging/main\n"),
        ((*move, "cp-tool=9"), "error: cp-tool=9: not in staging/main\n"),
        (("--from-dist", "nope", "--to-dist", "stable", "--all"),
         f"error: --from-dist nope: no such dist in {store}\n"),
        (("--from-dist", "staging", "--to-dist", "staging", "--all"),
         "error: --to-dist staging: the same dist as --from-dist\n"),
    ):  # fmt: skip
        refused = r2repo("copy", *base, *args)
        assert (refused.code, refused.err) == (1, line), refused
    usage = r2repo("copy", *base, "--from-dist", "staging", "--to-dist", "stable", "--all", "x")
    assert usage.code == 2
    assert tree_digest(store) == before


def test_copy_all_on_s3_puts_no_package(r2repo, moto_s3, key_dir, debs):
    bucket = moto_s3.bucket()
    store = f"s3://{bucket}"
    base = ("--store", store, "--signing-key", key_dir / "signing-key.asc")
    assert r2repo("publish", *base, "--dist", "staging", *debs.values()).code == 0
    mark = moto_s3.log.mark()
    done = r2repo("copy", *base, "--from-dist", "staging", "--to-dist", "stable", "--all")
    assert done.code == 0, done
    assert len(done.out.splitlines()) == 3
    puts = moto_s3.log.since(mark, "PUT", bucket)
    assert "dists/stable/InRelease" in puts
    assert not [key for key in puts if key.startswith("pool/")]
    assert listed(r2repo, store, "stable") == [
        line.replace("staging", "stable") for line in listed(r2repo, store, "staging")
    ]
