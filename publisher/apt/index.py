"""One package's stanza in a Packages index, its pool path, and Debian version ordering."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import total_ordering

from debian.debian_support import Version

from publisher.apt.debpkg import DebPackage
from publisher.apt.policy import source_name
from publisher.apt.stanza import Stanza
from publisher.core.retention import keep_newest

PoolKey = tuple[str, str, str]  # (Package, Version, Architecture)


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


def pool_path(component: str, control: Mapping[str, str], unique: str | None = None) -> str:
    """Where a package lives; `unique` adds a directory so replaced bytes never overwrite."""
    source = source_name(control)
    directory = f"pool/{component}/{pool_prefix(source)}/{source}"
    if unique:
        directory += f"/{unique}"
    name = deb_filename(control["Package"], control["Version"], control["Architecture"])
    return f"{directory}/{name}"


def entry_key(stanza: Mapping[str, str]) -> PoolKey:
    return (stanza["Package"], stanza["Version"], stanza["Architecture"])


def make_stanza(pkg: DebPackage, filename: str) -> Stanza:
    """The package's own control fields, then where it is and its checksums."""
    digests = pkg.digests
    return Stanza(
        pkg.control.text + f"Filename: {filename}\nSize: {digests.size}\nMD5sum: {digests.md5}\n"
        f"SHA1: {digests.sha1}\nSHA256: {digests.sha256}\nSHA512: {digests.sha512}\n"
    )


@total_ordering
class _VersionKey:
    """Debian version order, but a Version is built only when two different strings meet:
    in a sort by (name, version, arch) most comparisons are decided by the name."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        assert isinstance(other, _VersionKey)
        return self.text == other.text or Version(self.text) == Version(other.text)

    def __lt__(self, other: _VersionKey) -> bool:
        return self.text != other.text and Version(self.text) < Version(other.text)


def sort_entries(stanzas: Iterable[Mapping[str, str]]) -> list:  # type: ignore[type-arg]
    """A stable order for reproducible indexes: name, then version (Debian order), then arch."""
    return sorted(
        stanzas,
        key=lambda s: (s["Package"], _VersionKey(s["Version"]), s["Architecture"]),
    )


def newest(stanzas: Iterable[Mapping[str, str]], keep: int) -> list[Mapping[str, str]]:
    """The newest `keep` versions of each package and architecture (Debian order)."""
    return keep_newest(
        stanzas,
        keep,
        group=lambda s: (s["Package"], s["Architecture"]),
        version=lambda s: Version(s["Version"]),
    )
