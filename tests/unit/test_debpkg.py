"""Reading .deb files: every member compression, control checks, truncation."""

from __future__ import annotations

import hashlib

import pytest

from publisher.apt.debpkg import read_deb
from publisher.apt.policy import validate_version
from publisher.errors import PackageError
from tests.support.debs import build_deb


@pytest.mark.parametrize("compression", ["gzip", "xz", "zstd", "none"])
def test_reads_control_and_digests_for_each_compression(tmp_path, compression):
    deb = build_deb(tmp_path, "r2-read", "1:2.0~b1-3", "arm64", compression, "Depends: libc6\n")
    pkg = read_deb(deb)
    assert pkg.key == ("r2-read", "1:2.0~b1-3", "arm64")
    assert pkg.control["Depends"] == "libc6"
    assert pkg.control["Description"].startswith("test package r2-read\n")
    data = deb.read_bytes()
    assert pkg.digests.size == len(data)
    assert pkg.digests.sha256 == hashlib.sha256(data).hexdigest()
    assert pkg.digests.sha512 == hashlib.sha512(data).hexdigest()
    assert pkg.digests.md5 == hashlib.md5(data).hexdigest()


def test_source_field_with_version_gives_source_name(tmp_path):
    deb = build_deb(tmp_path, "libr2-z1", "1.0-1", extra="Source: libr2-z (0.9-2)\n")
    assert read_deb(deb).source == "libr2-z"


def test_truncated_member_is_refused(tmp_path):
    deb = build_deb(tmp_path, "r2-cut", "1.0", payload="x" * 5000)
    cut = tmp_path / "cut.deb"
    cut.write_bytes(deb.read_bytes()[:-20])
    with pytest.raises(PackageError, match=r"cut\.deb: not a valid \.deb \(truncated"):
        read_deb(cut)


def test_text_file_is_refused(tmp_path):
    fake = tmp_path / "fake.deb"
    fake.write_text("hello\n")
    with pytest.raises(PackageError, match=r"fake\.deb: not a valid \.deb"):
        read_deb(fake)


@pytest.mark.parametrize(
    ("version", "valid"),
    [
        ("1.0", True),
        ("1:1.0-1", True),
        ("1.0~rc1+dfsg-1ubuntu1", True),
        ("2.0-1-2", True),
        ("0", True),
        ("abc", False),
        ("1.0 beta", False),
        ("1:", False),
        ("a:1.0", False),
        ("1.0_1", False),
        ("", False),
        ("1.0-", False),
    ],
)
def test_version_validation(version, valid):
    assert (validate_version(version) is None) is valid
