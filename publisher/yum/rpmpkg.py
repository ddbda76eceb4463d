"""Read an .rpm into a typed record: its repodata entries, as createrepo_c dumps them."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import stat
import struct
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import createrepo_c as cr

from publisher.errors import PackageError, unreadable_input

LEAD_SIZE = 96
LEAD_MAGIC = b"\xed\xab\xee\xdb"
HEADER_MAGIC = b"\x8e\xad\xe8\x01"
SIGTAG_SIZE = 1000  # header + payload size (int32)
SIGTAG_LONGSIZE = 270  # the same, int64, for packages over 4 GiB
SIGTAG_SHA256 = 273  # hex SHA-256 of the main header
# Each goes into the package's file name and location (name-version-release.arch.rpm): no "/",
# no blank, no newline (matched whole, as "$" would let a final newline through).
NAME_RE = re.compile(r"[A-Za-z0-9_+][A-Za-z0-9._+-]*")
EVR_PART_RE = re.compile(r"[A-Za-z0-9._+~^]+")
ARCH_RE = re.compile(r"[A-Za-z0-9_]+")  # what rpm's own arches are made of (x86_64, noarch)
NEVRA = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class RpmMetadata:
    """One package's entries in primary, filelists and other.xml, as createrepo_c dumps them.

    Plain strings, so the record crosses process boundaries (cr.Package does not pickle) and
    repodata is written from these chunks without dumping each package again. The attribute
    names are cr.Package's: the state logic takes either.
    """

    name: str
    epoch: str
    version: str
    release: str
    arch: str
    pkgId: str  # noqa: N815 - cr.Package's name: the SHA-256 of the .rpm
    location_href: str
    primary: str
    filelists: str
    other: str


@dataclass(frozen=True)
class RpmPackage:
    path: Path
    metadata: RpmMetadata
    size: int

    @property
    def sha256(self) -> str:
        return self.metadata.pkgId

    @property
    def nevra(self) -> NEVRA:
        pkg = self.metadata
        return (pkg.name, pkg.epoch or "0", pkg.version, pkg.release, pkg.arch)

    @property
    def filename(self) -> str:
        return rpm_filename(self.metadata)


def rpm_filename(pkg: RpmMetadata | cr.Package) -> str:
    """The usual file name of a package: name-version-release.arch.rpm."""
    return f"{pkg.name}-{pkg.version}-{pkg.release}.{pkg.arch}.rpm"


def package_href(name: str, filename: str) -> str:
    """Where a package goes, relative to its repository root (unless other bytes are there)."""
    return f"Packages/{name[0].lower()}/{filename}"


def evr_of(nevra: NEVRA) -> str:
    """`[epoch:]version-release`, the epoch only when it is not 0: as rpm, dnf and `remove`
    spell it."""
    _, epoch, version, release, _ = nevra
    return f"{epoch}:{version}-{release}" if epoch not in ("", "0") else f"{version}-{release}"


def describe_nevra(nevra: NEVRA) -> str:
    return f"{nevra[0]} {evr_of(nevra)} {nevra[4]}"


def _signature_header(data: bytes) -> tuple[dict[int, tuple[int, int, int]], bytes, int]:
    """The signature header's index (tag -> type, offset, count), its data and its end offset."""
    start = LEAD_SIZE
    if len(data) < start + 16 or data[start : start + 4] != HEADER_MAGIC:
        raise PackageError("no signature header after the lead")
    entries, store_size = struct.unpack(">II", data[start + 8 : start + 16])
    index_end = start + 16 + 16 * entries
    store_end = index_end + store_size
    if store_end > len(data):
        raise PackageError("truncated signature header")
    index = {
        tag: (kind, offset, count)
        for tag, kind, offset, count in struct.iter_unpack(">IIII", data[start + 16 : index_end])
    }
    padded_end = store_end + (-store_end % 8)
    return index, data[index_end:store_end], padded_end


@dataclass(frozen=True)
class _Signature:
    index: dict[int, tuple[int, int, int]]
    store: bytes
    header_start: int  # where the main header begins
    head: bytes  # the file's first ENVELOPE_READ bytes (often the whole header too)


ENVELOPE_READ = 64 * 1024


def _read_head(path: Path) -> tuple[bytes, int]:
    """The file's first ENVELOPE_READ bytes and its size, from one open (O_NONBLOCK: opening a
    FIFO does not wait for a writer, and is then refused as not a regular file)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise unreadable_input(path, exc) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise unreadable_input(path)
        return os.read(fd, ENVELOPE_READ), st.st_size
    finally:
        os.close(fd)


def check_envelope(head: bytes, file_size: int) -> _Signature:
    """Lead, signature header and total size, before librpm reads the file (it prints to stderr)."""
    if head[:4] != LEAD_MAGIC:
        raise PackageError("not an RPM (no lead magic)")
    index, store, header_start = _signature_header(head)
    expected = None
    if SIGTAG_LONGSIZE in index:
        expected = struct.unpack(">Q", store[index[SIGTAG_LONGSIZE][1] :][:8])[0]
    elif SIGTAG_SIZE in index:
        expected = struct.unpack(">I", store[index[SIGTAG_SIZE][1] :][:4])[0]
    if expected is not None and file_size - header_start != expected:
        raise PackageError(
            f"truncated or padded: header and payload are {file_size - header_start} bytes, "
            f"the signature header says {expected}"
        )
    return _Signature(index, store, header_start, head)


def check_header_digest(path: Path, signature: _Signature, header_end: int) -> None:
    if SIGTAG_SHA256 not in signature.index or header_end <= signature.header_start:
        return
    offset = signature.index[SIGTAG_SHA256][1]
    store = signature.store
    recorded = store[offset : store.index(b"\0", offset)].decode("ascii", "replace")
    if header_end <= len(signature.head):
        header = signature.head[signature.header_start : header_end]
    else:
        with open(path, "rb") as handle:
            handle.seek(signature.header_start)
            header = handle.read(header_end - signature.header_start)
    if hashlib.sha256(header).hexdigest() != recorded:
        raise PackageError("corrupted header (SHA-256 digest mismatch)")


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """librpm and GLib write warnings straight to fd 2; the user gets our one-line error instead."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        os.dup2(_devnull(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


@functools.cache
def _devnull() -> int:
    # Opened once per process (a fork inherits it), not once per package read.
    return os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)


def _read_header(path: Path) -> cr.Package:
    """createrepo_c's record of a checked .rpm: one read gives the header and the SHA-256."""
    head, file_size = _read_head(path)
    if path.name.endswith(".src.rpm"):
        raise PackageError(
            f"{path}: source RPMs are not published (r2repo serves binary repositories)"
        )
    try:
        signature = check_envelope(head, file_size)
        try:
            with quiet_stderr():
                package = cr.package_from_rpm(str(path), cr.SHA256, path.name, None, 10, 0)
        except Exception as exc:  # createrepo_c raises CreaterepoCError or OSError
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise PackageError(reason) from exc
        check_header_digest(path, signature, package.rpm_header_end)
    except PackageError as exc:
        raise PackageError(f"{path}: not a valid .rpm ({exc})") from exc
    if package.arch == "src" or not package.rpm_sourcerpm:
        raise PackageError(
            f"{path}: source RPMs are not published (r2repo serves binary repositories)"
        )
    if not NAME_RE.fullmatch(package.name or ""):
        raise PackageError(f"{path}: invalid package name {package.name!r}")
    for label, value in (("version", package.version), ("release", package.release)):
        if not value or not EVR_PART_RE.fullmatch(value):
            raise PackageError(f"{path}: invalid {label} {value!r}")
    if not ARCH_RE.fullmatch(package.arch or ""):
        raise PackageError(f"{path}: invalid architecture {package.arch!r} (A-Z a-z 0-9 _ only)")
    if package.epoch and not package.epoch.isdigit():
        raise PackageError(f"{path}: invalid epoch {package.epoch!r}")
    return package


def metadata_of(package: cr.Package, href: str) -> RpmMetadata:
    """The package's repodata entries with `href` as its location."""
    package.location_href = href
    return RpmMetadata(
        name=package.name,
        epoch=package.epoch or "0",
        version=package.version,
        release=package.release,
        arch=package.arch,
        pkgId=package.pkgId,
        location_href=href,
        primary=cr.xml_dump_primary(package),
        filelists=cr.xml_dump_filelists(package),
        other=cr.xml_dump_other(package),
    )


def read_rpm(path: Path) -> RpmPackage:
    """Parse and check one .rpm; PackageError names the file and the reason.

    The metadata is dumped here, for the usual location (package_href), so that the reading
    processes do all the per-package work; metadata_at gives it for another location.
    """
    package = _read_header(path)
    metadata = metadata_of(package, package_href(package.name, rpm_filename(package)))
    return RpmPackage(path=path, metadata=metadata, size=package.size_package)


def metadata_at(pkg: RpmPackage, href: str) -> RpmMetadata:
    """`pkg`'s metadata with another location (rare: --replace of other bytes under its name)."""
    if href == pkg.metadata.location_href:
        return pkg.metadata
    package = _read_header(pkg.path)
    if package.pkgId != pkg.sha256:
        raise PackageError(f"{pkg.path}: changed while it was read")
    return metadata_of(package, href)
