"""One package's entry in a Packages index: its stanza, and the key that names it."""

from __future__ import annotations

from collections.abc import Mapping

from publisher.apt.debpkg import DebPackage
from publisher.apt.stanza import Stanza

PoolKey = tuple[str, str, str]  # (Package, Version, Architecture)


def entry_key(stanza: Mapping[str, str]) -> PoolKey:
    return (stanza["Package"], stanza["Version"], stanza["Architecture"])


def make_stanza(pkg: DebPackage, filename: str) -> Stanza:
    """The package's own control fields, then where it is and its checksums."""
    digests = pkg.digests
    return Stanza(
        pkg.control.text + f"Filename: {filename}\nSize: {digests.size}\nMD5sum: {digests.md5}\n"
        f"SHA1: {digests.sha1}\nSHA256: {digests.sha256}\nSHA512: {digests.sha512}\n"
    )
