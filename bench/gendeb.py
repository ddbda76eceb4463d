"""Deterministic small .debs, written directly as ar archives (no dpkg-deb process per package).

Each is a valid Debian binary package (debian-binary, control.tar.gz, data.tar.gz) that dpkg,
reprepro, aptly and apt accept: fixed mtimes, owners and compression, so a set is the same
bytes on every machine.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

MTIME = 1_700_000_000
ARCHES = ("amd64", "arm64")


@dataclass(frozen=True)
class DebSpec:
    name: str
    version: str
    arch: str

    @property
    def filename(self) -> str:
        return f"{self.name}_{self.version.split(':')[-1]}_{self.arch}.deb"


def spec(index: int, prefix: str = "bench") -> DebSpec:
    """The index-th package of a set: one version of each name (reprepro 5.3 keeps only one per
    architecture), amd64 and arm64 alternating, every tenth one Architecture: all."""
    name = f"{prefix}{index:05d}"
    version = f"{1 + index % 3}.{index % 7}-{1 + index % 2}"
    if index % 10 == 9:
        version = f"{1 + index % 4}:{version}"  # some epochs, as real archives have
    return DebSpec(name, version, "all" if index % 10 == 9 else ARCHES[index % 2])


def _tar_gz(files: list[tuple[str, bytes, int]]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data, mode in files:
            info = tarfile.TarInfo(name)
            info.mtime, info.uid, info.gid, info.uname, info.gname = MTIME, 0, 0, "root", "root"
            if data is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = len(data), mode
                tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), compresslevel=6, mtime=0)


def _ar_member(name: str, data: bytes) -> bytes:
    header = f"{name:<16}{MTIME:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}`\n".encode()
    return header + data + (b"\n" if len(data) % 2 else b"")


def control_text(pkg: DebSpec, payload_size: int) -> str:
    return (
        f"Package: {pkg.name}\n"
        f"Source: {pkg.name}-src\n"
        f"Version: {pkg.version}\n"
        f"Architecture: {pkg.arch}\n"
        "Maintainer: r2repo benchmarks <bench@example.com>\n"
        f"Installed-Size: {max(1, payload_size // 1024)}\n"
        "Section: misc\n"
        "Priority: optional\n"
        f"Homepage: https://example.com/{pkg.name}\n"
        f"Description: benchmark package {pkg.name}\n"
        " A generated package for the r2repo benchmarks. It installs one small file\n"
        f" under /usr/share/{pkg.name} and depends on nothing.\n"
    )


def deb_bytes(pkg: DebSpec) -> bytes:
    payload = (f"{pkg.name} {pkg.version} {pkg.arch}\n" * 8).encode()
    doc = f"./usr/share/{pkg.name}/"
    data = _tar_gz(
        [
            ("./", None, 0),
            ("./usr/", None, 0),
            ("./usr/share/", None, 0),
            (doc, None, 0),
            (doc + "README", payload, 0o644),
        ]
    )
    control = _tar_gz(
        [("./", None, 0), ("./control", control_text(pkg, len(payload)).encode(), 0o644)]
    )
    return (
        b"!<arch>\n"
        + _ar_member("debian-binary", b"2.0\n")
        + _ar_member("control.tar.gz", control)
        + _ar_member("data.tar.gz", data)
    )


def _write_range(args: tuple[str, int, int, str]) -> None:
    directory, start, stop, prefix = args
    for index in range(start, stop):
        pkg = spec(index, prefix)
        (Path(directory) / pkg.filename).write_bytes(deb_bytes(pkg))


def write_set(directory: Path, count: int, prefix: str = "bench", workers: int = 2) -> list[Path]:
    """`count` packages in `directory` (made once: a complete set is reused)."""
    done = directory / ".complete"
    if not done.exists() or int(done.read_text()) < count:
        directory.mkdir(parents=True, exist_ok=True)
        step = max(1, -(-count // (workers * 4)))
        chunks = [(str(directory), s, min(count, s + step), prefix) for s in range(0, count, step)]
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_write_range, chunks))
        done.write_text(f"{count}\n")
    return [directory / spec(index, prefix).filename for index in range(count)]
