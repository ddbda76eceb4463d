"""Reading .rpm files: NEVRA, checksums and the integrity checks."""

from __future__ import annotations

import hashlib
import pickle

import createrepo_c as cr
import pytest

from publisher.errors import PackageError
from publisher.yum.repofile import RepoFile
from publisher.yum.rpmpkg import describe_nevra, metadata_at, read_rpm
from tests.support.rpms import build_rpm


def test_reads_nevra_and_digests(tmp_path):
    rpm = build_rpm(tmp_path, "r2-read", "1.2", "3", "x86_64", epoch=5, requires=("bash",))
    pkg = read_rpm(rpm)
    assert pkg.nevra == ("r2-read", "5", "1.2", "3", "x86_64")
    assert pkg.filename == "r2-read-1.2-3.x86_64.rpm"
    assert pkg.sha256 == hashlib.sha256(rpm.read_bytes()).hexdigest()
    assert pkg.size == rpm.stat().st_size
    assert describe_nevra(pkg.nevra) == "r2-read 5:1.2-3 x86_64"
    assert '<rpm:entry name="bash"/>' in pkg.metadata.primary


def test_metadata_is_what_createrepo_c_dumps(tmp_path):
    """The chunks read_rpm dumps (in a worker) are byte for byte what add_pkg would write."""
    rpm = build_rpm(tmp_path, "r2-dump", "2.0", "1", "noarch", requires=("bash",))
    pkg = read_rpm(rpm)
    package = cr.package_from_rpm(str(rpm), cr.SHA256, rpm.name, None, 10, 0)
    package.location_href = "Packages/r/r2-dump-2.0-1.noarch.rpm"
    assert pkg.metadata.location_href == package.location_href
    assert pkg.metadata.primary == cr.xml_dump_primary(package)
    assert pkg.metadata.filelists == cr.xml_dump_filelists(package)
    assert pkg.metadata.other == cr.xml_dump_other(package)
    assert pickle.loads(pickle.dumps(pkg)) == pkg  # crosses from worker processes


def test_metadata_at_another_location(tmp_path):
    pkg = read_rpm(build_rpm(tmp_path, "r2-moved", "1.0"))
    assert metadata_at(pkg, pkg.metadata.location_href) is pkg.metadata
    moved = metadata_at(pkg, "Packages/r/0123456789abcdef/r2-moved-1.0-1.noarch.rpm")
    assert moved.location_href == "Packages/r/0123456789abcdef/r2-moved-1.0-1.noarch.rpm"
    assert 'href="Packages/r/0123456789abcdef/r2-moved-1.0-1.noarch.rpm"' in moved.primary
    assert moved.filelists == pkg.metadata.filelists


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
