"""Write an RPM v4 package: lead, signature header, main header, compressed cpio payload."""

from __future__ import annotations

import hashlib
import shutil
import struct
import tempfile
from pathlib import PurePosixPath
from typing import BinaryIO

from publisher.build import rpmtags as t
from publisher.build.compress import LEVELS, compressing_writer
from publisher.build.cpio import write_cpio
from publisher.build.depends import Relation
from publisher.build.hashio import HashingWriter
from publisher.build.rpmheader import Header
from publisher.build.spec import PackageSpec
from publisher.build.tree import DIR, FILE, SYMLINK, Entry

SCRIPT_TAGS = {
    "before-install": ("PREIN", "PREINPROG", t.SENSE_SCRIPT_PRE),
    "after-install": ("POSTIN", "POSTINPROG", t.SENSE_SCRIPT_POST),
    "before-remove": ("PREUN", "PREUNPROG", t.SENSE_SCRIPT_PREUN),
    "after-remove": ("POSTUN", "POSTUNPROG", t.SENSE_SCRIPT_POSTUN),
}
# What rpmbuild requires of the installing rpm for the features this writer uses.
RPMLIB_FEATURES = {
    "CompressedFileNames": "3.0.4-1",
    "FileDigests": "4.6.0-1",
    "PayloadFilesHavePrefix": "4.0-1",
}
PAYLOAD_FEATURES = {"xz": ("PayloadIsXz", "5.2-1"), "zstd": ("PayloadIsZstd", "5.4.18-1")}
RICH_FEATURE = ("RichDependencies", "4.12.0-1")
OP_FLAGS = {
    "<<": t.SENSE_LESS,
    "<=": t.SENSE_LESS | t.SENSE_EQUAL,
    "=": t.SENSE_EQUAL,
    ">=": t.SENSE_GREATER | t.SENSE_EQUAL,
    ">>": t.SENSE_GREATER,
}
# The lead's archnum, from rpm's rpmrc; rpm itself ignores it, `file(1)` shows it.
LEAD_ARCHNUM = {"x86_64": 1, "i686": 1, "aarch64": 19, "armv7hl": 12, "ppc64le": 16, "s390x": 15}
LEAD_FORMAT = ">4sBBHH66sHH16s"


def rpm_filename(spec: PackageSpec) -> str:
    return f"{spec.name}-{spec.version}-{spec.rpm_release}.{spec.arch.rpm}.rpm"


class _Deps:
    """Name, flags and version triples in the order they are added, without repeats."""

    def __init__(self) -> None:
        self.items: list[tuple[str, int, str]] = []

    def add(self, name: str, flags: int = 0, version: str = "") -> None:
        if (name, flags, version) not in self.items:
            self.items.append((name, flags, version))

    def add_relation(self, rel: Relation, extra: int = 0) -> None:
        self.add(rel.name, (OP_FLAGS[rel.op] if rel.op else 0) | extra, rel.version or "")

    def put(self, header: Header, prefix: str) -> None:
        items = sorted(self.items)
        header.add(f"{prefix}NAME", [name for name, _, _ in items])
        header.add(f"{prefix}FLAGS", [flags for _, flags, _ in items])
        header.add(f"{prefix}VERSION", [version for _, _, version in items])


def _interpreter(script: bytes) -> str:
    if script.startswith(b"#!"):
        line = script.split(b"\n", 1)[0][2:].decode().strip()
        return line.split()[0] if line else "/bin/sh"
    return "/bin/sh"


def _requires_and_provides(spec: PackageSpec, entries: list[Entry]) -> tuple[_Deps, _Deps]:
    evr = f"{spec.version}-{spec.rpm_release}"
    requires, provides = _Deps(), _Deps()
    provides.add(spec.name, t.SENSE_EQUAL, evr)
    for rel in spec.provides:
        provides.add_relation(rel)
    if any(e.config for e in entries):
        # As rpmbuild does: config files get a versioned provide the package also requires.
        provides.add(f"config({spec.name})", t.SENSE_EQUAL, evr)
        requires.add(f"config({spec.name})", t.SENSE_EQUAL, evr)
    rich = False
    for dep in spec.depends:
        if len(dep.alternatives) == 1:
            requires.add_relation(dep.alternatives[0])
        else:
            rich = True
            requires.add("(" + " or ".join(rel.rpm() for rel in dep.alternatives) + ")")
    for kind, path in spec.scripts.items():
        requires.add(_interpreter(path.read_bytes()), t.SENSE_INTERP | SCRIPT_TAGS[kind][2])
    features = dict(RPMLIB_FEATURES)
    features.update([PAYLOAD_FEATURES[spec.compression]])
    if rich:
        features.update([RICH_FEATURE])
    for feature, version in features.items():
        requires.add(f"rpmlib({feature})", t.SENSE_RPMLIB | t.SENSE_LESS | t.SENSE_EQUAL, version)
    return requires, provides


def _file_tags(header: Header, entries: list[Entry]) -> None:
    dirnames: list[str] = []
    dirindexes: list[int] = []
    for entry in entries:
        parent = str(PurePosixPath(entry.path).parent).rstrip("/") + "/"
        if parent not in dirnames:
            dirnames.append(parent)
        dirindexes.append(dirnames.index(parent))
    header.add("FILESIZES", [e.size if e.kind != DIR else 0 for e in entries])
    header.add("FILEMODES", [e.full_mode for e in entries])
    header.add("FILERDEVS", [0] * len(entries))
    header.add("FILEMTIMES", [e.mtime for e in entries])
    header.add("FILEDIGESTS", [e.sha256 if e.kind == FILE else "" for e in entries])
    header.add("FILELINKTOS", [e.linkto if e.kind == SYMLINK else "" for e in entries])
    header.add("FILEFLAGS", [t.FILE_CONFIG | t.FILE_NOREPLACE if e.config else 0 for e in entries])
    header.add("FILEUSERNAME", ["root"] * len(entries))
    header.add("FILEGROUPNAME", ["root"] * len(entries))
    header.add("FILEVERIFYFLAGS", [0xFFFFFFFF] * len(entries))
    header.add("FILEDEVICES", [1] * len(entries))
    header.add("FILEINODES", list(range(1, len(entries) + 1)))
    header.add("FILELANGS", [""] * len(entries))
    header.add("DIRINDEXES", dirindexes)
    header.add("BASENAMES", [PurePosixPath(e.path).name for e in entries])
    header.add("DIRNAMES", dirnames)
    header.add("FILEDIGESTALGO", [t.HASH_SHA256])


def _main_header(
    spec: PackageSpec, entries: list[Entry], build_time: int, payload: dict[str, str]
) -> bytes:
    h = Header(t.TAGS, t.HEADERIMMUTABLE)
    h.add("HEADERI18NTABLE", ["C"])
    h.add("NAME", spec.name)
    h.add("VERSION", spec.version)
    h.add("RELEASE", spec.rpm_release)
    h.add("SUMMARY", [spec.summary])
    h.add("DESCRIPTION", [spec.extended_description])
    h.add("BUILDTIME", [build_time])
    h.add("BUILDHOST", "localhost")
    h.add("SIZE", [sum(e.size for e in entries if e.kind != DIR)])
    h.add("LICENSE", spec.license or "unknown")
    h.add("PACKAGER", spec.maintainer)
    h.add("GROUP", [spec.section])
    if spec.url:
        h.add("URL", spec.url)
    h.add("OS", "linux")
    h.add("ARCH", spec.arch.rpm)
    for kind, (script_tag, prog_tag, _) in SCRIPT_TAGS.items():
        if kind in spec.scripts:
            script = spec.scripts[kind].read_bytes()
            h.add(script_tag, script.decode())
            h.add(prog_tag, [_interpreter(script)])
    if entries:
        _file_tags(h, entries)
    h.add("SOURCERPM", f"{spec.name}-{spec.version}-{spec.rpm_release}.src.rpm")
    requires, provides = _requires_and_provides(spec, entries)
    requires.put(h, "REQUIRE")
    provides.put(h, "PROVIDE")
    h.add("RPMVERSION", "4.18.0")
    # rpm keeps changelog dates to the day; rpmlint wants an entry even when none is given.
    day = build_time - build_time % 86400 + 43200
    h.add("CHANGELOGTIME", [day])
    h.add("CHANGELOGNAME", [f"{spec.maintainer} - {spec.version}-{spec.rpm_release}"])
    h.add("CHANGELOGTEXT", [f"- {spec.changelog or f'Release {spec.version}.'}"])
    h.add("PAYLOADFORMAT", "cpio")
    h.add("PAYLOADCOMPRESSOR", spec.compression)
    h.add("PAYLOADFLAGS", str(LEVELS[spec.compression]))
    h.add("PLATFORM", f"{spec.arch.rpm}-pc-linux-gnu")
    h.add("ENCODING", "utf-8")
    h.add("PAYLOADDIGEST", [payload["compressed"]])
    h.add("PAYLOADDIGESTALGO", [t.HASH_SHA256])
    h.add("PAYLOADDIGESTALT", [payload["uncompressed"]])
    return h.to_bytes()


def _signature_header(header: bytes, payload_size: int, md5: bytes, archive_size: int) -> bytes:
    sig = Header(t.SIG_TAGS, t.HEADERSIGNATURES)
    sig.add("SHA1", hashlib.sha1(header).hexdigest())
    sig.add("SHA256", hashlib.sha256(header).hexdigest())
    sig.add("SIZE", [len(header) + payload_size])
    sig.add("MD5", md5)
    sig.add("PAYLOADSIZE", [archive_size])
    data = sig.to_bytes()
    # The main header starts on an 8-byte boundary (the lead is 96 bytes).
    return data + b"\0" * (-len(data) % 8)


def _lead(spec: PackageSpec) -> bytes:
    nvr = f"{spec.name}-{spec.version}-{spec.rpm_release}".encode()[:65]
    archnum = LEAD_ARCHNUM.get(spec.arch.rpm, 0)
    return struct.pack(LEAD_FORMAT, b"\xed\xab\xee\xdb", 3, 0, 0, archnum, nvr, 1, 5, b"")


def write_rpm(spec: PackageSpec, entries: list[Entry], build_time: int, out: BinaryIO) -> None:
    """Write the whole .rpm to `out`; the payload is spooled through a temporary file."""
    names = ["." + e.path for e in entries]
    with tempfile.TemporaryFile() as spool:
        compressed = HashingWriter(spool, "sha256")
        with compressing_writer(spec.compression, compressed) as packed:  # type: ignore[arg-type]
            archive = HashingWriter(packed, "sha256")
            write_cpio(archive, entries, names)  # type: ignore[arg-type]
        digests = {
            "compressed": compressed.hexdigest("sha256"),
            "uncompressed": archive.hexdigest("sha256"),
        }
        header = _main_header(spec, entries, build_time, digests)
        md5 = hashlib.md5(header)
        spool.seek(0)
        while chunk := spool.read(1 << 20):
            md5.update(chunk)
        out.write(_lead(spec))
        out.write(_signature_header(header, compressed.size, md5.digest(), archive.size))
        out.write(header)
        spool.seek(0)
        shutil.copyfileobj(spool, out)
