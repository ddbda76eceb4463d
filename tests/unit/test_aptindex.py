"""Pool paths, stanzas and Debian version ordering."""

from __future__ import annotations

from debian.deb822 import Deb822

from publisher.apt.pool import pool_path, pool_prefix
from publisher.apt.versions import newest, sort_entries


def stanza(name: str, version: str, arch: str = "amd64", source: str | None = None) -> Deb822:
    fields = {"Package": name, "Version": version, "Architecture": arch}
    if source:
        fields["Source"] = source
    return Deb822(fields)


def test_pool_prefix_follows_debian():
    assert pool_prefix("hello") == "h"
    assert pool_prefix("libpopt") == "libp"
    assert pool_prefix("lib") == "l"
    assert pool_prefix("0ad") == "0"


def test_pool_path_uses_source_and_drops_epoch():
    assert (
        pool_path("main", stanza("libfoo1", "2:1.0-1", "arm64", "libfoo (1.0-1)"))
        == "pool/main/libf/libfoo/libfoo1_1.0-1_arm64.deb"
    )
    assert (
        pool_path("contrib", stanza("hello", "1.0")) == "pool/contrib/h/hello/hello_1.0_amd64.deb"
    )
    assert (
        pool_path("main", stanza("hello", "1.0"), unique="abcd")
        == "pool/main/h/hello/abcd/hello_1.0_amd64.deb"
    )


def test_version_ordering_epoch_tilde_and_revision():
    versions = ["1.0-1", "1.0~rc1-1", "1:0.1-1", "1.0-1+b1", "1.0-10", "1.0-2", "1.0+dfsg-1"]
    ordered = [s["Version"] for s in sort_entries(stanza("p", v) for v in versions)]
    assert ordered == ["1.0~rc1-1", "1.0-1", "1.0-1+b1", "1.0-2", "1.0-10", "1.0+dfsg-1", "1:0.1-1"]


def test_newest_keeps_n_per_name_and_arch():
    entries = [
        stanza("a", "1"),
        stanza("a", "2"),
        stanza("a", "1:0"),
        stanza("a", "3", "arm64"),
        stanza("b", "9"),
    ]
    keyed = {(s["Package"], s["Version"], s["Architecture"]): s for s in entries}
    assert newest(keyed, 1) == {("a", "1:0", "amd64"), ("a", "3", "arm64"), ("b", "9", "amd64")}
    assert len(newest(keyed, 2)) == 4
