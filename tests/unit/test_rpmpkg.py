"""Reading .rpm files: NEVRA, checksums and the integrity checks."""

from __future__ import annotations

import hashlib

import pytest

from publisher.errors import PackageError
from publisher.repofile import RepoFile
from publisher.rpmpkg import describe_nevra, read_rpm
from tests.support.rpms import build_rpm


def test_reads_nevra_and_digests(tmp_path):
    rpm = build_rpm(tmp_path, "r2-read", "1.2", "3", "x86_64", epoch=5, requires=("bash",))
    pkg = read_rpm(rpm)
    assert pkg.nevra == ("r2-read", "5", "1.2", "3", "x86_64")
    assert pkg.filename == "r2-read-1.2-3.x86_64.rpm"
    assert pkg.digests.sha256 == hashlib.sha256(rpm.read_bytes()).hexdigest() == pkg.package.pkgId
    assert describe_nevra(pkg.nevra) == "r2-read 5:1.2-3 x86_64"
    assert [r[0] for r in pkg.package.requires] == ["bash"]


@pytest.mark.parametrize("cut", [1, 100, 2000])
def test_truncation_is_detected(tmp_path, cut):
    rpm = build_rpm(tmp_path, "r2-cut", "1.0", payload="y" * 30000)
    bad = tmp_path / "cut.rpm"
    bad.write_bytes(rpm.read_bytes()[:-cut])
    with pytest.raises(PackageError, match=r"cut\.rpm: not a valid \.rpm \(truncated"):
        read_rpm(bad)


def test_header_corruption_is_detected(tmp_path):
    rpm = build_rpm(tmp_path, "r2-hdr", "1.0")
    data = bytearray(rpm.read_bytes())
    data[data.find(b"Test package r2-hdr")] = ord("t")
    bad = tmp_path / "bad.rpm"
    bad.write_bytes(data)
    with pytest.raises(PackageError, match="corrupted header"):
        read_rpm(bad)


def test_repo_file_round_trip():
    repo = RepoFile("acme", "https://pkg.example.com", "rpm/el9", gpgcheck=True)
    text = repo.render().decode()
    assert "baseurl=https://pkg.example.com/rpm/el9" in text
    assert "gpgkey=https://pkg.example.com/rpm/el9/repodata/repomd.xml.key" in text
    assert RepoFile.parse(repo.render(), "acme", "rpm/el9") == repo
    assert RepoFile.parse(b"garbage", "acme", "rpm") is None
