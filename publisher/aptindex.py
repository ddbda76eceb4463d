"""One package's stanza in a Packages index, its pool path, and Debian version ordering."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from debian.deb822 import Deb822
from debian.debian_support import Version

from publisher.debpkg import DebPackage, source_name

PoolKey = tuple[str, str, str]  # (Package, Version, Architecture)
CHECKSUM_FIELDS = ("MD5sum", "SHA1", "SHA256", "SHA512")


def pool_prefix(source: str) -> str:
    """Debian's pool fan-out: lib + one letter for lib* sources, else the first letter."""
    if source.startswith("lib") and len(source) > 3:
        return source[:4]
    return source[0]


def upstream_and_revision(version: str) -> str:
    """The version as it appears in a file name: the epoch is dropped."""
    return version.split(":", 1)[1] if ":" in version else version


def deb_filename(name: str, version: str, arch: str) -> str:
    return f"{name}_{upstream_and_revision(version)}_{arch}.deb"


def pool_path(component: str, control: Deb822, unique: str | None = None) -> str:
    """Where a package lives; `unique` adds a directory so replaced bytes never overwrite."""
    source = source_name(control)
    directory = f"pool/{component}/{pool_prefix(source)}/{source}"
    if unique:
        directory += f"/{unique}"
    name = deb_filename(control["Package"], control["Version"], control["Architecture"])
    return f"{directory}/{name}"


def entry_key(stanza: Deb822) -> PoolKey:
    return (stanza["Package"], stanza["Version"], stanza["Architecture"])


def make_stanza(pkg: DebPackage, filename: str) -> Deb822:
    """The package's own control fields, then where it is and its checksums."""
    stanza = Deb822()
    for field, value in pkg.control.items():
        if field not in ("Filename", "Size", *CHECKSUM_FIELDS):
            stanza[field] = value
    digests = pkg.digests
    stanza["Filename"] = filename
    stanza["Size"] = str(digests.size)
    stanza["MD5sum"] = digests.md5
    stanza["SHA1"] = digests.sha1
    stanza["SHA256"] = digests.sha256
    stanza["SHA512"] = digests.sha512
    return stanza


def sort_entries(stanzas: Iterable[Deb822]) -> list[Deb822]:
    """A stable order for reproducible indexes: name, then version (Debian order), then arch."""
    return sorted(stanzas, key=lambda s: (s["Package"], Version(s["Version"]), s["Architecture"]))


def newest(stanzas: Iterable[Deb822], keep: int) -> list[Deb822]:
    """The newest `keep` versions of each package and architecture."""
    groups: dict[tuple[str, str], list[Deb822]] = defaultdict(list)
    for stanza in stanzas:
        groups[(stanza["Package"], stanza["Architecture"])].append(stanza)
    kept: list[Deb822] = []
    for group in groups.values():
        group.sort(key=lambda s: Version(s["Version"]), reverse=True)
        kept.extend(group[:keep])
    return kept
