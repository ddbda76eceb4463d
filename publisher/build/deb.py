"""Write a .deb: an ar archive of debian-binary, control.tar.* and data.tar.*."""

from __future__ import annotations

import email.utils
import gzip
import io
import shutil
import tarfile
import tempfile
from typing import BinaryIO

from debian.deb822 import Deb822

from publisher.build.compress import compressing_writer
from publisher.build.spec import PackageSpec
from publisher.build.tree import DIR, FILE, SYMLINK, Entry, data_entry, dir_entry, parents

SCRIPT_NAMES = {
    "before-install": "preinst",
    "after-install": "postinst",
    "before-remove": "prerm",
    "after-remove": "postrm",
}
# Licenses whose text every Debian system has; a copyright file may point there (lintian likes it).
COMMON_LICENSES = {
    "Apache-2.0", "Artistic", "BSD", "CC0-1.0", "GFDL-1.2", "GFDL-1.3", "GPL-1", "GPL-2",
    "GPL-3", "LGPL-2", "LGPL-2.1", "LGPL-3", "MPL-1.1", "MPL-2.0",
}  # fmt: skip
# Tar members in archive order, each with the entry whose bytes it carries.
Members = list[tuple[tarfile.TarInfo, Entry | None]]
TAR_TYPES = {FILE: tarfile.REGTYPE, DIR: tarfile.DIRTYPE, SYMLINK: tarfile.SYMTYPE}


def deb_filename(spec: PackageSpec) -> str:
    return f"{spec.name}_{spec.deb_version}_{spec.arch.deb}.deb"


def _description(spec: PackageSpec) -> str:
    lines = [spec.summary]
    for line in spec.extended_description.splitlines():
        lines.append(f" {line}" if line.strip() else " .")
    return "\n".join(lines)


def _copyright(spec: PackageSpec) -> bytes:
    name = spec.license or "unknown"
    license_field = name
    if name in COMMON_LICENSES:
        license_field += (
            f"\n On Debian systems, the complete text of the {name} license can be found"
            f" in\n /usr/share/common-licenses/{name}."
        )
    header = {
        "Format": "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
        "Upstream-Name": spec.name,
    }
    if spec.url:
        header["Source"] = spec.url
    files = {"Files": "*", "Copyright": spec.maintainer, "License": license_field}
    return (Deb822(header).dump() + "\n" + Deb822(files).dump()).encode()


def _changelog(spec: PackageSpec, build_time: int) -> bytes:
    text = spec.changelog or f"Release {spec.deb_version}."
    date = email.utils.formatdate(build_time, usegmt=False)
    entry = (
        f"{spec.name} ({spec.deb_version}) unstable; urgency=medium\n\n"
        f"  * {text}\n\n -- {spec.maintainer}  {date}\n"
    )
    # mtime 0 and no file name: the same bytes every build.
    return gzip.compress(entry.encode(), compresslevel=9, mtime=0)


def data_entries(spec: PackageSpec, entries: list[Entry], build_time: int) -> list[Entry]:
    """The spec's files plus the documentation Debian expects and every parent directory."""
    by_path = {entry.path: entry for entry in entries}
    doc = f"/usr/share/doc/{spec.name}"
    changelog = f"{doc}/changelog.Debian.gz" if spec.release else f"{doc}/changelog.gz"
    for path, make in (
        (f"{doc}/copyright", lambda: _copyright(spec)),
        (changelog, lambda: _changelog(spec, build_time)),
    ):
        if path not in by_path:
            by_path[path] = data_entry(path, make(), build_time)
    for path in list(by_path):
        for parent in parents(path):
            by_path.setdefault(parent, dir_entry(parent, build_time))
    return [by_path[path] for path in sorted(by_path)]


def installed_size(entries: list[Entry]) -> int:
    """KiB, counted as dpkg-gencontrol does: each file rounded up, 1 for anything else."""
    return sum((e.size + 1023) // 1024 if e.kind == FILE else 1 for e in entries)


def _control(spec: PackageSpec, size: int) -> bytes:
    fields = {
        "Package": spec.name,
        "Version": spec.deb_version,
        "Architecture": spec.arch.deb,
        "Maintainer": spec.maintainer,
        "Installed-Size": str(size),
    }
    if spec.depends:
        fields["Depends"] = ", ".join(dep.deb() for dep in spec.depends)
    if spec.provides:
        fields["Provides"] = ", ".join(rel.deb() for rel in spec.provides)
    fields["Section"] = spec.section
    fields["Priority"] = spec.priority
    if spec.url:
        fields["Homepage"] = spec.url
    fields["Description"] = _description(spec)
    return Deb822(fields).dump().encode()


def _tarinfo(name: str, kind: str, mode: int, mtime: int, size: int = 0, linkto: str = ""):  # type: ignore[no-untyped-def]
    info = tarfile.TarInfo(name)
    info.type = TAR_TYPES[kind]
    info.mode = mode
    info.mtime = mtime
    info.size = size if kind == FILE else 0
    info.linkname = linkto
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def _write_tar(sink: BinaryIO, compression: str, members: Members) -> None:
    with (
        compressing_writer(compression, sink) as packed,
        tarfile.open(fileobj=packed, mode="w|", format=tarfile.GNU_FORMAT) as tar,
    ):
        for info, entry in members:
            if entry is not None and entry.kind == FILE:
                with entry.open() as stream:
                    tar.addfile(info, stream)
            else:
                tar.addfile(info)


def _data_members(entries: list[Entry], build_time: int) -> Members:
    members: Members = [(_tarinfo("./", DIR, 0o755, build_time), None)]
    for e in entries:
        members.append((_tarinfo("." + e.path, e.kind, e.mode, e.mtime, e.size, e.linkto), e))
    return members


def _script(path_text: bytes) -> bytes:
    # dpkg executes maintainer scripts directly: without #! the kernel would refuse them.
    return path_text if path_text.startswith(b"#!") else b"#!/bin/sh\n" + path_text


def _control_members(spec: PackageSpec, entries: list[Entry], build_time: int) -> Members:
    conffiles = [e.path for e in entries if e.kind == FILE and e.config]
    md5sums = "".join(
        f"{e.md5}  {e.path[1:]}\n" for e in entries if e.kind == FILE and not e.config
    )
    files: list[tuple[str, bytes, int]] = [
        ("control", _control(spec, installed_size(entries)), 0o644),
        ("md5sums", md5sums.encode(), 0o644),
    ]
    if conffiles:
        files.append(("conffiles", "".join(f"{p}\n" for p in conffiles).encode(), 0o644))
    for kind, name in SCRIPT_NAMES.items():
        if kind in spec.scripts:
            files.append((name, _script(spec.scripts[kind].read_bytes()), 0o755))
    members: Members = [(_tarinfo("./", DIR, 0o755, build_time), None)]
    for name, data, mode in sorted(files):
        entry = data_entry("/" + name, data, build_time, mode)
        members.append((_tarinfo("./" + name, FILE, mode, build_time, len(data)), entry))
    return members


def _ar_header(name: str, size: int, mtime: int) -> bytes:
    header = f"{name:<16}{mtime:<12}{0:<6}{0:<6}{'100644':<8}{size:<10}`\n".encode()
    assert len(header) == 60
    return header


def _ar_member(out: BinaryIO, name: str, stream: BinaryIO, size: int, mtime: int) -> None:
    out.write(_ar_header(name, size, mtime))
    shutil.copyfileobj(stream, out)
    if size % 2:
        out.write(b"\n")


def write_deb(spec: PackageSpec, entries: list[Entry], build_time: int, out: BinaryIO) -> None:
    """Write the whole .deb to `out`; the compressed tars are spooled through temporary files."""
    data = data_entries(spec, entries, build_time)
    suffix = {"xz": ".xz", "zstd": ".zst"}[spec.compression]
    out.write(b"!<arch>\n")
    _ar_member(out, "debian-binary", io.BytesIO(b"2.0\n"), 4, build_time)
    for member, members in (
        ("control.tar", _control_members(spec, data, build_time)),
        ("data.tar", _data_members(data, build_time)),
    ):
        with tempfile.TemporaryFile() as spool:
            _write_tar(spool, spec.compression, members)
            size = spool.tell()
            spool.seek(0)
            _ar_member(out, member + suffix, spool, size, build_time)
