"""`r2repo history` and `r2repo rollback`: every commit of a dist or RPM root recorded (when, who,
what), an earlier state made current again in one commit that clients accept (apt-get, dnf),
gc keeping the files of the last states, bad input one line and nothing changed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import tree_digest
from tests.support.apt import AptClient
from tests.support.debs import build_deb
from tests.support.rpmclients import DnfClient
from tests.support.rpms import build_rpm
from tests.support.server import free_port, serving

CI_VARIABLES = (
    "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "CI_JOB_URL", "BUILDKITE_BUILD_URL",
    "CIRCLE_BUILD_URL", "TRAVIS_JOB_WEB_URL", "DRONE_BUILD_LINK", "SYSTEM_COLLECTIONURI",
    "BUILD_URL",
)  # fmt: skip
LINE = re.compile(
    r"^([0-9a-f]{12})\t(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC)\t([^\t]+)\t(\+\d+ -\d+)\t"
)


@pytest.fixture(scope="module")
def packages(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("histpkgs")
    return {
        "good": build_deb(work, "hi-tool", "1.0", "amd64"),
        "bad": build_deb(work, "hi-tool", "1.1", "amd64"),
        "rpm-good": build_rpm(work, "hi-tool", "1.0"),
        "rpm-bad": build_rpm(work, "hi-tool", "1.1"),
    }


@pytest.fixture(autouse=True)
def no_ci(monkeypatch):
    """Who committed is user@host unless a test sets a CI's variables (this may run in a CI)."""
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def history(r2repo, store, *args: str | Path) -> list[tuple[str, ...]]:
    done = r2repo("history", "--store", store, *args)
    assert done.code == 0, done
    rows = []
    for line in done.out.splitlines():
        match = LINE.match(line)
        assert match, line
        rows.append((*match.groups(), line.split("\t", 4)[4]))
    return rows


def good_then_bad(r2repo, store, key_dir, packages, *extra: str | Path) -> None:
    """A good release of hi-tool (.deb and .rpm), then a bad one replacing it."""
    base = ("--store", store, "--signing-key", key_dir / "signing-key.asc", *extra)
    good = (packages["good"], packages["rpm-good"])
    bad = (packages["bad"], packages["rpm-bad"])
    assert r2repo("publish", *base, "--dist", "stable", "--sign-packages", *good).code == 0
    done = r2repo("publish", *base, "--dist", "stable", "--keep", "1", "--sign-packages", *bad)
    assert done.code == 0, done


def test_history_says_when_who_and_what_newest_first(
    r2repo, key_dir, packages, tmp_path, monkeypatch
):
    store = tmp_path / "store"
    base = ("--store", store, "--signing-key", key_dir / "signing-key.asc")
    assert (
        r2repo(
            "publish",
            *base,
            "--dist",
            "stable",
            "--sign-packages",
            packages["good"],
            packages["rpm-good"],
        ).code
        == 0
    )
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/tool")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    bad = (packages["bad"], packages["rpm-bad"])
    assert (
        r2repo("publish", *base, "--dist", "stable", "--keep", "1", "--sign-packages", *bad).code
        == 0
    )
    monkeypatch.delenv("GITHUB_RUN_ID")
    monkeypatch.setenv("CI_JOB_URL", "https://gitlab.example/acme/tool/-/jobs/7")
    assert r2repo("remove", *base, "--dist", "stable", "--rpm-path", "rpm", "hi-tool").code == 0

    for where, good, bad in (
        (("--dist", "stable"), "hi-tool 1.0 amd64", "hi-tool 1.1 amd64"),
        (("--rpm-path", "rpm"), "hi-tool 1.0-1 noarch", "hi-tool 1.1-1 noarch"),
    ):
        rows = history(r2repo, store, *where)
        assert [row[2:] for row in rows] == [
            ("https://gitlab.example/acme/tool/-/jobs/7", "+0 -1", f"-{bad}"),
            ("https://github.com/acme/tool/actions/runs/42", "+1 -1", f"+{bad}, -{good}"),
            (rows[2][2], "+1 -0", f"+{good}"),
        ]
        assert re.fullmatch(r"[^@\s]+@[^@\s]+", rows[2][2])  # user@host outside a CI
        assert len({row[0] for row in rows}) == 3
        newest = history(r2repo, store, *where, "--limit", "1")
        assert newest == rows[:1]


def test_rollback_and_gc_keep_states(r2repo, key_dir, packages, tmp_path):
    store = tmp_path / "store"
    key = ("--signing-key", key_dir / "signing-key.asc")
    good_then_bad(r2repo, store, key_dir, packages)
    # Long unreferenced, yet one of the last 10 states: gc keeps the good release's files.
    later = ("--now", str(4_000_000_000))
    gc = r2repo("gc", "--store", store, "--grace", "1h", *later)
    assert gc.code == 0, gc
    assert "hi-tool_1.0" not in gc.out and "hi-tool-1.0" not in gc.out
    for where, kind in ((("--dist", "stable"), "stable"), (("--rpm-path", "rpm"), "rpm")):
        rows = history(r2repo, store, *where)
        done = r2repo("rollback", "--store", store, *key, *where, "--to", rows[1][0][:6])
        assert done.code == 0, done
        good, bad = ("1.0", "1.1") if kind == "stable" else ("1.0-1", "1.1-1")
        arch = "amd64" if kind == "stable" else "noarch"
        assert done.out == (
            f"added\t{kind}\thi-tool {good} {arch}\nremoved\t{kind}\thi-tool {bad} {arch}\n"
        )
        after = history(r2repo, store, *where)
        assert after[1:] == rows
        assert after[0][3:] == ("+1 -1", f"rollback to {rows[1][0]}: +hi-tool {good} {arch}, "
                                f"-hi-tool {bad} {arch}")  # fmt: skip
    listed = r2repo("list", "--store", store).out.splitlines()
    assert sorted(listed) == [
        "rpm\trpm\thi-tool\t1.0-1\tnoarch",
        "stable\tmain\thi-tool\t1.0\tamd64",
    ]
    assert r2repo("verify", "--store", store).code == 0


def test_rollback_bad_input_is_one_line_and_changes_nothing(r2repo, key_dir, packages, tmp_path):
    store = tmp_path / "store"
    key = ("--signing-key", key_dir / "signing-key.asc")
    good_then_bad(r2repo, store, key_dir, packages)
    first = {
        where: history(r2repo, store, *where)[1][0]
        for where in (("--dist", "stable"), ("--rpm-path", "rpm"))
    }
    # gc keeping the current state only, long after: the good release's files are collected.
    gc = r2repo("gc", "--store", store, "--grace", "1h", "--keep-states", "1", "--now", "4e9")
    assert gc.code == 0, gc
    assert "pool/main/h/hi-tool/hi-tool_1.0_amd64.deb" in gc.out
    before = tree_digest(store)
    for args, line in (
        (("--dist", "stable", "--to", first[("--dist", "stable")]),
         f"error: --to {first[('--dist', 'stable')]}: dists/stable/main/binary-amd64/by-hash/"),
        (("--rpm-path", "rpm", "--to", first[("--rpm-path", "rpm")]),
         f"error: --to {first[('--rpm-path', 'rpm')]}: rpm/repodata/"),
        (("--dist", "nope", "--to", "abcd"), f"error: --dist nope: no such dist in {store}\n"),
        (("--rpm-path", "el9", "--to", "abcd"),
         f"error: --rpm-path el9: no RPM repository there in {store}\n"),
        (("--dist", "stable", "--to", "abcd"),
         "error: --to abcd: no such state in the history of dist stable\n"),
        (("--dist", "stable", "--to", "xyz"),
         "error: --to xyz: give an id from `r2repo history` (4 hex digits or more)\n"),
    ):  # fmt: skip
        refused = r2repo("rollback", "--store", store, *key, *args)
        assert refused.code == 1, refused
        assert refused.err.startswith(line) and refused.err.count("\n") == 1, refused
        if "by-hash" in line or "repodata" in line:
            assert "is gone (collected by gc" in refused.err
    assert tree_digest(store) == before
    usage = r2repo("rollback", "--store", store, *key, "--to", "abcd")
    assert usage.code == 2


@pytest.mark.slow  # over 2 s: publishes, rollbacks and gc against moto
def test_history_and_rollback_on_s3(r2repo, moto_s3, key_dir, packages):
    bucket = moto_s3.bucket()
    store = f"s3://{bucket}"
    good_then_bad(r2repo, store, key_dir, packages)
    key = ("--signing-key", key_dir / "signing-key.asc")
    for where in (("--dist", "stable"), ("--rpm-path", "rpm")):
        rows = history(r2repo, store, *where)
        assert [row[3] for row in rows] == ["+1 -1", "+1 -0"]
        mark = moto_s3.log.mark()
        done = r2repo("rollback", "--store", store, *key, *where, "--to", rows[1][0])
        assert done.code == 0, done
        puts = moto_s3.log.since(mark, "PUT", bucket)
        # No package is sent: the good release's one is only refreshed (a CopyObject onto
        # itself, which the log shows as a PUT) so that gc leaves it now.
        assert [k for k in puts if k.startswith("pool/") or "/Packages/" in k] == [
            "pool/main/h/hi-tool/hi-tool_1.0_amd64.deb"
            if where[0] == "--dist"
            else "rpm/Packages/h/hi-tool-1.0-1.noarch.rpm"
        ]
        assert len(history(r2repo, store, *where)) == 3
    listed = r2repo("list", "--store", store).out.splitlines()
    assert sorted(listed) == [
        "rpm\trpm\thi-tool\t1.0-1\tnoarch",
        "stable\tmain\thi-tool\t1.0\tamd64",
    ]
    assert r2repo("verify", "--store", store).code == 0


@pytest.mark.slow
def test_apt_get_and_dnf_that_saw_the_bad_release_move_back(r2repo, key_dir, packages, tmp_path):
    store = tmp_path / "store"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    good_then_bad(r2repo, store, key_dir, packages, "--base-url", url)
    with serving(store, port):
        apt = AptClient(tmp_path / "apt")
        apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {url} stable main"])
        apt.update()
        assert "Candidate: 1.1" in apt.policy("hi-tool")
        dnf = DnfClient(tmp_path / "dnf")
        dnf.add_repo_file((store / "rpm/r2repo.repo").read_text())
        dnf.dnf("makecache")
        assert "1.1-1" in dnf.dnf("list", "--available", "hi-tool").stdout

        key = ("--signing-key", key_dir / "signing-key.asc")
        for where in (("--dist", "stable"), ("--rpm-path", "rpm")):
            good = history(r2repo, store, *where)[1][0]
            assert r2repo("rollback", "--store", store, *key, *where, "--to", good).code == 0

        apt.update()
        assert "Candidate: 1.0" in apt.policy("hi-tool")
        assert apt.download("hi-tool").read_bytes() == packages["good"].read_bytes()
        dnf.dnf("makecache", "--refresh")
        dnf.dnf("install", "hi-tool")
        assert dnf.installed() == ["hi-tool-1.0-1.noarch"]
