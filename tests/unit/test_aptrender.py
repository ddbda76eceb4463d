"""Packages and Release rendering."""

from __future__ import annotations

import gzip
import hashlib
import lzma

from debian.deb822 import Deb822, Release

from publisher.apt.indexpieces import cut
from publisher.apt.releasehashes import release_digests
from publisher.apt.render import Group, release_date, render_groups, render_release
from publisher.apt.versions import sort_entries

FIELDS = {
    "Origin": "Acme",
    "Label": "Acme",
    "Suite": "stable",
    "Codename": "bookworm",
    "Description": "Acme packages",
}


def render_packages(stanzas: list[Deb822]) -> bytes:
    return b"".join(cut(sort_entries(stanzas)))


def test_packages_are_sorted_and_separated_by_blank_lines():
    text = render_packages(
        [
            Deb822({"Package": "b", "Version": "1", "Architecture": "all"}),
            Deb822({"Package": "a", "Version": "2", "Architecture": "amd64"}),
            Deb822({"Package": "a", "Version": "10", "Architecture": "amd64"}),
        ]
    ).decode()
    assert text == (
        "Package: a\nVersion: 2\nArchitecture: amd64\n\n"
        "Package: a\nVersion: 10\nArchitecture: amd64\n\n"
        "Package: b\nVersion: 1\nArchitecture: all\n"
    )


def test_one_group_compresses_the_same_bytes_reproducibly():
    stanzas = [Deb822({"Package": "a", "Version": "1", "Architecture": "amd64"})]
    plain, gz, xz, release = render_groups(FIELDS, [Group("main", "amd64", stanzas)])
    assert plain.path == "main/binary-amd64/Packages"
    assert gzip.decompress(gz.data) == plain.data == lzma.decompress(xz.data)
    assert render_groups(FIELDS, [Group("main", "amd64", stanzas)])[1].data == gz.data
    assert Deb822(release.data.decode()) == {
        "Archive": "stable",
        "Origin": "Acme",
        "Label": "Acme",
        "Component": "main",
        "Architecture": "amd64",
    }
    assert plain.digests.sha256 == hashlib.sha256(plain.data).hexdigest()


def test_release_lists_every_index_with_four_hashes():
    indexes = render_groups(FIELDS, [Group("main", "amd64", []), Group("main", "arm64", [])])
    release = Release(render_release(FIELDS, {"arm64", "amd64"}, {"main"}, indexes, 0).decode())
    assert release["Date"] == "Thu, 01 Jan 1970 00:00:00 UTC"
    assert release["Architectures"] == "amd64 arm64"
    assert release["Components"] == "main"
    assert release["Acquire-By-Hash"] == "yes"
    assert release["Codename"] == "bookworm" and release["Suite"] == "stable"
    for field, key in (
        ("MD5Sum", "md5sum"),
        ("SHA1", "sha1"),
        ("SHA256", "sha256"),
        ("SHA512", "sha512"),
    ):
        names = [entry["name"] for entry in release[field]]
        assert names == sorted(index.path for index in indexes)
        for entry in release[field]:
            index = next(i for i in indexes if i.path == entry["name"])
            assert entry[key] == release_digests(index.digests)[field]
            assert int(entry["size"]) == len(index.data)


def test_release_date_format():
    assert release_date(1700000000) == "Tue, 14 Nov 2023 22:13:20 UTC"
