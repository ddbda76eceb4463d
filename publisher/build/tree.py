"""The files a package installs, read once from the sources: kinds, modes, sizes, digests."""

from __future__ import annotations

import hashlib
import io
import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from publisher.build.spec import PackageSpec
from publisher.errors import BuildError

CHUNK = 1 << 20
FILE, DIR, SYMLINK = "file", "dir", "symlink"
TYPE_BITS = {FILE: stat.S_IFREG, DIR: stat.S_IFDIR, SYMLINK: stat.S_IFLNK}


@dataclass(frozen=True)
class Entry:
    """One path on the target system. `source` or `data` holds a regular file's bytes."""

    path: str  # absolute, normalised, no trailing slash
    kind: str
    mode: int  # permission bits only
    mtime: int
    size: int = 0
    md5: str = ""
    sha256: str = ""
    source: Path | None = None
    data: bytes | None = None
    linkto: str = ""
    config: bool = False

    @property
    def full_mode(self) -> int:
        return TYPE_BITS[self.kind] | self.mode

    def open(self) -> BinaryIO:
        """A binary stream of the file's bytes."""
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.source is not None
        return open(self.source, "rb")


def data_entry(path: str, data: bytes, mtime: int, mode: int = 0o644) -> Entry:
    """A file whose bytes r2repo generates (a copyright file, a changelog)."""
    return Entry(
        path=path,
        kind=FILE,
        mode=mode,
        mtime=mtime,
        size=len(data),
        md5=hashlib.md5(data).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )


def dir_entry(path: str, mtime: int, mode: int = 0o755) -> Entry:
    return Entry(path=path, kind=DIR, mode=mode, mtime=mtime)


def _file_entry(source: Path, dest: str, mtime: int, config: bool) -> Entry:
    info = source.stat()
    if not stat.S_ISREG(info.st_mode):
        raise BuildError(f"{source}: not a regular file or directory")
    md5, sha256 = hashlib.md5(), hashlib.sha256()
    with open(source, "rb") as handle:
        while chunk := handle.read(CHUNK):
            md5.update(chunk)
            sha256.update(chunk)
    return Entry(
        path=dest,
        kind=FILE,
        mode=stat.S_IMODE(info.st_mode),
        mtime=min(int(info.st_mtime), mtime),
        size=info.st_size,
        md5=md5.hexdigest(),
        sha256=sha256.hexdigest(),
        source=source,
        config=config or dest.startswith("/etc/"),
    )


def _walk(source: Path, dest: str, mtime: int) -> list[Entry]:
    """A source directory: itself, then everything below it; symbolic links stay links."""
    info = source.stat()
    entries = [dir_entry(dest, min(int(info.st_mtime), mtime), stat.S_IMODE(info.st_mode))]
    for child in sorted(source.iterdir()):
        target = f"{dest}/{child.name}"
        if child.is_symlink():
            linfo = child.lstat()
            entries.append(
                Entry(
                    path=target,
                    kind=SYMLINK,
                    mode=0o777,
                    mtime=min(int(linfo.st_mtime), mtime),
                    size=len(os.readlink(child).encode()),
                    linkto=os.readlink(child),
                )
            )
        elif child.is_dir():
            entries.extend(_walk(child, target, mtime))
        else:
            entries.append(_file_entry(child, target, mtime, False))
    return entries


def collect(spec: PackageSpec, mtime: int) -> list[Entry]:
    """Every path the spec installs, sorted by path; mtimes clamped to `mtime`."""
    entries: dict[str, Entry] = {}
    for mapping in spec.files:
        dest = str(PurePosixPath(mapping.dest))
        if mapping.source.is_dir():
            found = _walk(mapping.source, dest, mtime)
        else:
            found = [_file_entry(mapping.source, dest, mtime, mapping.config)]
        for entry in found:
            if entry.path in entries:
                raise BuildError(f"destination {entry.path}: given twice")
            entries[entry.path] = entry
    for dest, mode in spec.modes.items():
        path = str(PurePosixPath(dest))
        if path not in entries:
            raise BuildError(f"--mode {dest}: no file is installed there")
        entries[path] = _with_mode(entries[path], mode)
    return [entries[path] for path in sorted(entries)]


def _with_mode(entry: Entry, mode: int) -> Entry:
    return replace(entry, mode=mode)


def parents(path: str) -> list[str]:
    """The directories above `path`, outermost first, without '/'."""
    parts = PurePosixPath(path).parents
    return [str(p) for p in reversed(parts) if str(p) != "/"]
