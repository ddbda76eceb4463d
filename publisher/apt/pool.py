"""Where a .deb lives in the pool, and the name of its file there (Debian's layout)."""

from __future__ import annotations

from collections.abc import Mapping

from publisher.apt.policy import source_name


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
