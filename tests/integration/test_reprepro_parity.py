"""The same .debs published by reprepro and by r2repo give the same apt-cache records."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from debian.deb822 import Deb822

from publisher.cli import main
from tests.support.apt import AptClient
from tests.support.debs import build_deb, debian_debs

pytestmark = pytest.mark.slow  # reprepro and apt-get over Debian's own packages

# Fields reprepro (Debian 12) does not write; r2repo adds the strongest checksum too.
R2REPO_ONLY = {"SHA512"}


def reprepro_repo(base: Path, debs: list[Path], key_dir: Path) -> Path:
    gnupg = base / "gnupg"
    gnupg.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(gnupg)}
    subprocess.run(
        ["gpg", "--batch", "--import", str(key_dir / "signing-key.asc")],
        env=env,
        check=True,
        capture_output=True,
    )
    fingerprint = (
        subprocess.run(
            ["gpg", "--batch", "--with-colons", "--list-secret-keys"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.split("fpr:::::::::")[1]
        .split(":")[0]
    )
    repo = base / "reprepro"
    (repo / "conf").mkdir(parents=True)
    (repo / "conf" / "distributions").write_text(
        "Codename: bookworm\nArchitectures: amd64 arm64\nComponents: main\n"
        f"SignWith: {fingerprint}\n"
    )
    subprocess.run(
        ["reprepro", "-b", str(repo), "includedeb", "bookworm", *map(str, debs)],
        env=env,
        check=True,
        capture_output=True,
    )
    subprocess.run(["gpgconf", "--kill", "all"], env=env, check=False)
    return repo


def records(apt: AptClient, names: list[str]) -> dict[str, dict[str, str]]:
    found = {}
    for name in names:
        record = dict(Deb822(apt.show(name)))
        record.pop("Filename")
        found[name] = record
    return found


def test_apt_cache_show_matches_reprepro(tmp_path: Path, key_dir: Path) -> None:
    debs = [
        build_deb(tmp_path, "r2-parity", "1:2.3~rc1-1", "amd64", "xz", "Depends: libc6\n"),
        build_deb(tmp_path, "r2-parity-data", "2.3-1", "all", "gzip", "Source: r2-parity\n"),
        *debian_debs(),
    ]
    names = sorted(
        Deb822(
            subprocess.run(
                ["dpkg-deb", "-f", str(d)], capture_output=True, text=True, check=True
            ).stdout
        )["Package"]
        for d in debs
    )
    theirs = reprepro_repo(tmp_path, debs, key_dir)
    ours = tmp_path / "r2repo"
    assert (
        main(
            [
                "publish",
                "--store",
                str(ours),
                "--dist",
                "bookworm",
                "--signing-key",
                str(key_dir / "signing-key.asc"),
                *map(str, debs),
            ]
        )
        == 0
    )
    results = {}
    for label, repo in (("reprepro", theirs), ("r2repo", ours)):
        apt = AptClient(tmp_path / f"apt-{label}")
        apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] file:{repo} bookworm main"])
        apt.run("update")
        results[label] = records(apt, names)
    for name in names:
        reprepro_record = results["reprepro"][name]
        r2repo_record = {k: v for k, v in results["r2repo"][name].items() if k not in R2REPO_ONLY}
        assert reprepro_record["SHA256"] and reprepro_record["Description"]
        assert r2repo_record == reprepro_record, name
        assert "SHA512" in results["r2repo"][name]
