"""A newcomer's mistakes (issue 15), each through the real CLI: refused in one line, exit 1,
nothing written; or accepted where the intent is plain."""

from __future__ import annotations

import subprocess
from pathlib import Path

import click
import pytest

from tests.conftest import tree_digest
from tests.support.debs import build_deb
from tests.support.packaging import lintian
from tests.support.server import free_port, serve_argv, server_output, start_server, stop_server


@pytest.fixture
def key(key_dir: Path) -> list[str]:
    return ["--signing-key", str(key_dir / "signing-key.asc")]


@pytest.fixture
def deb(tmp_path: Path) -> Path:
    return build_deb(tmp_path / "in", "newcomer", "1.0", "amd64")


def one_line_error(result, *fragments: str) -> None:
    assert result.code == 1, result
    assert len(result.err.strip().splitlines()) == 1, result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


# -- store locations --------------------------------------------------------------------------


@pytest.mark.parametrize("location", ["s3:/pkgs", "s3:pkgs", "S3://pkgs", "r2://pkgs", "r2:pkgs"])
def test_a_store_that_looks_like_a_url_but_is_not_one_is_refused(
    r2repo, moto_s3, key, deb, tmp_path, monkeypatch, location
):
    monkeypatch.chdir(tmp_path)
    bucket = moto_s3.bucket()
    done = r2repo(
        "publish", "--store", location, "--endpoint-url", moto_s3.endpoint,
        "--dist", "bookworm", *key, deb,
    )  # fmt: skip
    one_line_error(done, f"--store {location}", "s3://BUCKET")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # no folder named `s3:`
    assert moto_s3.keys(bucket) == {}


def test_a_directory_whose_name_has_a_colon_is_reachable_with_dot_slash(
    r2repo, key, deb, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    done = r2repo("publish", "--store", "./odd:name", "--dist", "bookworm", *key, deb)
    assert done.code == 0, done
    assert (tmp_path / "odd:name/dists/bookworm/InRelease").is_file()


@pytest.mark.parametrize("endpoint", ["127.0.0.1:9000", "localhost:9000", "ftp://127.0.0.1"])
def test_an_endpoint_url_without_http_scheme_is_refused(r2repo, moto_s3, key, deb, endpoint):
    bucket = moto_s3.bucket()
    for args in (("list",), ("publish", "--dist", "bookworm", *key, deb)):
        done = r2repo(*args, "--store", f"s3://{bucket}", "--endpoint-url", endpoint)
        one_line_error(done, f"--endpoint-url {endpoint}", "http://")
    assert moto_s3.keys(bucket) == {}


@pytest.mark.parametrize("option", ["--endpoint-url", "--r2-account-id"])
def test_s3_options_given_for_a_directory_are_refused(r2repo, key, deb, tmp_path, option):
    value = "http://127.0.0.1:9000" if option == "--endpoint-url" else "0123abcd"
    store = tmp_path / "repo"
    done = r2repo("publish", "--store", store, option, value, "--dist", "bookworm", *key, deb)
    one_line_error(done, option, "s3://", "directory")
    assert not store.exists()


def test_aws_endpoint_url_in_the_environment_does_not_stop_a_local_store(
    r2repo, key, deb, tmp_path, monkeypatch
):
    # Shared with every other AWS tool: only an option typed on the command line is refused.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    done = r2repo("publish", "--store", tmp_path / "repo", "--dist", "bookworm", *key, deb)
    assert done.code == 0, done


READ_ONLY = [
    ("list",),
    ("verify",),
    ("gc", "--dry-run"),
    ("history", "--dist", "bookworm"),
    ("token", "list"),
    ("access", "show"),
]


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_read_only_commands_on_a_mistyped_directory_fail(r2repo, tmp_path, command):
    store = tmp_path / "bukcet"
    done = r2repo(*command, "--store", store)
    one_line_error(done, str(store))
    assert not store.exists()


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_read_only_commands_on_an_empty_bucket_fail(r2repo, moto_s3, command):
    bucket = moto_s3.bucket()
    done = r2repo(*command, "--store", f"s3://{bucket}/pkgs")
    one_line_error(done, f"s3://{bucket}/pkgs")


def test_read_only_commands_still_work_on_a_repository(r2repo, key, deb, tmp_path):
    store = tmp_path / "repo"
    assert r2repo("publish", "--store", store, "--dist", "bookworm", *key, deb).code == 0
    for command in READ_ONLY:
        done = r2repo(*command, "--store", store)
        assert done.code == 0, (command, done)
    assert "newcomer\t1.0\tamd64" in r2repo("list", "--store", store).out


def test_serve_of_an_empty_store_warns_at_start(tmp_path):
    port = free_port()
    proc = start_server(serve_argv(tmp_path / "bukcet", port), port)
    try:
        output = server_output(proc)
    finally:
        stop_server(proc)
    assert "warning:" in output and "bukcet: holds nothing" in output, output


# -- release and remove ---------------------------------------------------------------------------


def hello_options(tmp_path: Path, version: str) -> list[str]:
    tool = tmp_path / "hello.sh"
    tool.write_text("#!/bin/sh\necho hello\n")
    return [
        "--name", "hello", "--version", version, "--arch", "all",
        "--maintainer", "Me <me@example.com>", "--description", "Says hello",
        "--file", f"{tool}=/usr/bin/hello",
    ]  # fmt: skip


def test_release_accepts_a_tag_with_a_leading_v(r2repo, key, tmp_path):
    store = tmp_path / "repo"
    done = r2repo(
        "release", "--store", store, "--dist", "bookworm", *key, *hello_options(tmp_path, "v1.2.3")
    )
    assert done.code == 0, done
    notices = [line for line in done.err.splitlines() if "v1.2.3" in line]
    assert len(notices) == 1 and "1.2.3" in notices[0] and "dropped" in notices[0], done.err
    listed = r2repo("list", "--store", store).out.splitlines()
    assert sorted(listed) == [
        "bookworm\tmain\thello\t1.2.3\tall",
        "rpm\trpm\thello\t1.2.3-1\tnoarch",
    ]


@pytest.mark.parametrize("version", ["v", "va1", "vers1.0"])
def test_a_v_not_followed_by_a_digit_is_still_refused(r2repo, tmp_path, version):
    done = r2repo("build", *hello_options(tmp_path, version), "--output-dir", tmp_path / "out")
    assert done.code == 1 and version in done.err, done
    assert not (tmp_path / "out").exists()


def published_both(r2repo, key, tmp_path) -> Path:
    store = tmp_path / "repo"
    out = tmp_path / "out"
    for version in ("1.0", "2.0"):
        built = r2repo("build", *hello_options(tmp_path, version), "--output-dir", out)
        assert built.code == 0, built
    files = sorted(out.iterdir())
    done = r2repo("publish", "--store", store, "--dist", "bookworm", *key, *files)
    assert done.code == 0, done
    return store


def test_remove_takes_dist_and_rpm_path_together(r2repo, key, tmp_path):
    store = published_both(r2repo, key, tmp_path)
    done = r2repo(
        "remove", "--store", store, "--dist", "bookworm", "--rpm-path", "rpm", *key, "hello=1.0"
    )
    assert done.code == 0, done
    assert sorted(done.out.splitlines()) == [
        "removed\tbookworm\thello 1.0 all",
        "removed\trpm\thello 1.0-1 noarch",
    ]
    assert sorted(r2repo("list", "--store", store).out.splitlines()) == [
        "bookworm\tmain\thello\t2.0\tall",
        "rpm\trpm\thello\t2.0-1\tnoarch",
    ]
    assert r2repo("verify", "--store", store).code == 0


def test_remove_from_both_changes_neither_when_one_lacks_the_package(r2repo, key, tmp_path):
    store = published_both(r2repo, key, tmp_path)
    assert r2repo("remove", "--store", store, "--rpm-path", "rpm", *key, "hello=1.0").code == 0
    before = tree_digest(store)
    done = r2repo(
        "remove", "--store", store, "--dist", "bookworm", "--rpm-path", "rpm", *key, "hello=1.0"
    )
    one_line_error(done, "hello=1.0", "rpm")
    assert tree_digest(store) == before


def test_remove_needs_dist_or_rpm_path(r2repo, key, tmp_path):
    store = published_both(r2repo, key, tmp_path)
    done = r2repo("remove", "--store", store, *key, "hello")
    assert done.code == 2 and "--dist" in done.err and "--rpm-path" in done.err, done


# -- names that differ only in case ---------------------------------------------------------------


def test_a_dist_differing_only_in_case_is_refused(r2repo, key, deb, tmp_path):
    store = tmp_path / "repo"
    assert r2repo("publish", "--store", store, "--dist", "bookworm", *key, deb).code == 0
    before = tree_digest(store)
    done = r2repo("publish", "--store", store, "--dist", "Bookworm", *key, deb)
    one_line_error(done, "'Bookworm'", "'bookworm'")
    assert tree_digest(store) == before
    # The existing dist itself and a really new one are fine.
    assert r2repo("publish", "--store", store, "--dist", "bookworm", *key, deb).code == 0
    assert r2repo("publish", "--store", store, "--dist", "trixie", *key, deb).code == 0


def test_an_rpm_path_differing_only_in_case_is_refused(r2repo, key, tmp_path):
    store = tmp_path / "repo"
    built = r2repo("build", *hello_options(tmp_path, "1.0"), "--format", "rpm", "--output-dir",
                   tmp_path / "out")  # fmt: skip
    assert built.code == 0, built
    (rpm,) = (tmp_path / "out").iterdir()
    assert r2repo("publish", "--store", store, "--rpm-path", "rpm/el9", *key, rpm).code == 0
    before = tree_digest(store)
    done = r2repo("publish", "--store", store, "--rpm-path", "rpm/EL9", *key, rpm)
    one_line_error(done, "'rpm/EL9'", "'rpm/el9'")
    assert tree_digest(store) == before


def test_a_directory_given_as_a_package_is_named_a_directory(r2repo, key, deb, tmp_path):
    store = tmp_path / "repo"
    done = r2repo("publish", "--store", store, "--dist", "bookworm", *key, deb.parent)
    one_line_error(done, f"{deb.parent}: is a directory", "*.deb")
    assert not store.exists()


# -- error texts that say what to do --------------------------------------------------------------


def test_the_public_key_given_as_signing_key_is_named(r2repo, key_dir, deb, tmp_path):
    store = tmp_path / "repo"
    done = r2repo(
        "publish", "--store", store, "--dist", "bookworm",
        "--signing-key", key_dir / "key.asc", deb,
    )  # fmt: skip
    one_line_error(done, "this is a public key", "signing-key.asc")
    assert not store.exists()


def test_a_path_in_the_signing_key_variable_is_named(r2repo, key_dir, deb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("R2REPO_SIGNING_KEY", str(key_dir / "signing-key.asc"))
    done = r2repo("publish", "--store", "repo", "--dist", "bookworm", deb)
    one_line_error(done, "R2REPO_SIGNING_KEY must hold the key's text", "--signing-key FILE")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_a_grace_out_of_range_is_echoed_as_typed(r2repo, key, deb, tmp_path):
    store = tmp_path / "repo"
    assert r2repo("publish", "--store", store, "--dist", "bookworm", *key, deb).code == 0
    done = r2repo("gc", "--store", store, "--grace", "60d")
    one_line_error(done, "--grace 60d:", "30 days")


def test_token_expires_takes_a_duration(r2repo, tmp_path):
    import time
    from datetime import UTC, datetime

    store = tmp_path / "repo"
    done = r2repo("token", "create", "--store", store, "--name", "ci", "--prefix", "/",
                  "--expires", "30d")  # fmt: skip
    assert done.code == 0, done
    (line,) = r2repo("token", "list", "--store", store).out.splitlines()
    expires = datetime.strptime(line.split("\t")[3], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(expires.timestamp() - (time.time() + 30 * 86400)) < 600, line


def test_token_expires_in_another_form_gives_examples(r2repo, tmp_path):
    store = tmp_path / "repo"
    done = r2repo("token", "create", "--store", store, "--name", "ci", "--prefix", "/",
                  "--expires", "next month")  # fmt: skip
    one_line_error(done, "--expires next month:", "30d", "2027-01-31")
    assert not store.exists()


# -- a package from a one-line description ------------------------------------------------------


@pytest.mark.slow
def test_a_one_line_description_builds_a_lintian_clean_deb(r2repo, tmp_path):
    out = tmp_path / "out"
    done = r2repo("build", *hello_options(tmp_path, "1.0"), "--format", "deb", "--output-dir", out)
    assert done.code == 0, done
    (deb,) = out.iterdir()
    lint = lintian(deb)
    assert "extended-description-is-empty" not in lint.stdout, lint.stdout
    assert [line for line in lint.stdout.splitlines() if line.startswith("E:")] == [], lint.stdout
    assert lint.returncode == 0, lint.stdout + lint.stderr
    description = subprocess.run(
        ["dpkg-deb", "--field", str(deb), "Description"], capture_output=True, text=True, check=True
    ).stdout
    summary, first, *_ = description.splitlines()
    assert summary == "Says hello" and "hello 1.0 (Says hello)" in first, description


# -- help -----------------------------------------------------------------------------------------


def every_command() -> list[tuple[str, click.Command]]:
    from publisher.cli import cli

    found: list[tuple[str, click.Command]] = []

    def walk(command: click.Command, path: str) -> None:
        found.append((path, command))
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                assert sub is not None, name
                walk(sub, f"{path} {name}")

    walk(cli, "r2repo")
    return found


def test_every_command_and_option_has_a_help_text():
    missing = [
        f"{path} {'/'.join(param.opts)}"
        for path, command in every_command()
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden and not (param.help or "").strip()
    ]
    missing += [path for path, command in every_command() if not (command.help or "").strip()]
    assert missing == []


def test_top_level_help_shows_the_workflow_and_whole_sentences(r2repo):
    done = r2repo("--help")
    assert done.code == 0, done
    text = done.out
    workflow = [text.index(f"{n}. {step}") for n, step in enumerate(
        ("keys generate", "build", "publish", "serve"), start=1)]  # fmt: skip
    assert workflow == sorted(workflow), text
    assert "deploy the Worker" in text and "release = build + publish" in text
    commands = text[text.index("Commands:") :]
    assert "..." not in commands, commands
    for path, command in every_command()[1:]:
        assert not command.get_short_help_str(limit=1000).endswith("..."), path
    assert max(len(line) for line in text.splitlines()) <= 80, text


@pytest.mark.parametrize(
    ("command", "fragments"),
    [
        (("publish",), ["without it: the key text in $R2REPO_SIGNING_KEY", "made there for a new"]),
        (("gc",), ["30 days", "48h"]),
        (("access", "set"), ["relative to the store root given to --store", "served"]),
    ],
    ids=" ".join,
)
def test_help_says_what_happens(r2repo, command, fragments):
    done = r2repo(*command, "--help")
    assert done.code == 0, done
    text = " ".join(done.out.split())
    for fragment in fragments:
        assert fragment.lower() in text.lower(), text
