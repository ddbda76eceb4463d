"""The fast control reader agrees with python-debian, and hands anything unusual back to it."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import tarfile

import pytest
import zstandard
from debian import debfile

from publisher.apt import debcontrol
from publisher.apt.debcontrol import read_control_text
from publisher.apt.debpkg import read_deb
from publisher.errors import PackageError
from tests.support.debs import ar, build_deb, debian_debs


def library_text(path) -> str:
    deb = debfile.DebFile(str(path))
    try:
        return deb.control.get_content("control", encoding="utf-8")
    finally:
        deb.close()


@pytest.mark.parametrize("compression", ["gzip", "xz", "zstd", "none"])
def test_same_text_as_python_debian(tmp_path, compression):
    deb = build_deb(tmp_path, "r2-fast", "1:2.0-1", "amd64", compression, "Depends: libc6\n")
    text = read_control_text(str(deb))
    assert text is not None and "Package: r2-fast\n" in text
    assert text == library_text(deb)


def test_same_text_for_debian_packages():
    for deb in debian_debs():
        assert read_control_text(str(deb)) == library_text(deb), deb


def control_tar(fmt: int, name: str = "./control") -> bytes:
    buffer = io.BytesIO()
    body = b"Package: x\nVersion: 1\nArchitecture: all\n"
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as tar:
        info = tarfile.TarInfo(name)
        info.size = len(body)
        if fmt == tarfile.PAX_FORMAT:
            info.pax_headers = {"comment": "forces an extended header before the member"}
        tar.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


def test_plain_ustar_control_is_read(tmp_path):
    path = tmp_path / "ok.deb"
    path.write_bytes(
        ar(
            (b"debian-binary", b"2.0\n"),
            (b"control.tar", control_tar(tarfile.USTAR_FORMAT)),
            (b"data.tar", b"\0" * 1024),
        )
    )
    assert read_control_text(str(path)) == "Package: x\nVersion: 1\nArchitecture: all\n"


@pytest.mark.parametrize(
    "members",
    [
        # a pax header before ./control: the library's job
        [
            (b"debian-binary", b"2.0\n"),
            (b"control.tar", control_tar(tarfile.PAX_FORMAT)),
            (b"data.tar", b""),
        ],
        # no data member
        [(b"debian-binary", b"2.0\n"), (b"control.tar", control_tar(tarfile.USTAR_FORMAT))],
        # unknown compression
        [(b"debian-binary", b"2.0\n"), (b"control.tar.bz2", b"BZh9"), (b"data.tar", b"")],
        # a damaged header checksum
        [
            (b"debian-binary", b"2.0\n"),
            (b"control.tar", b"X" + control_tar(tarfile.USTAR_FORMAT)[1:]),
            (b"data.tar", b""),
        ],
    ],
)
def test_unusual_archives_go_to_the_library(tmp_path, members):
    path = tmp_path / "odd.deb"
    path.write_bytes(ar(*members))
    assert read_control_text(str(path)) is None


def test_truncated_and_foreign_files_go_to_the_library(tmp_path):
    deb = build_deb(tmp_path, "r2-cut", "1.0", payload="x" * 5000)
    cut = tmp_path / "cut.deb"
    cut.write_bytes(deb.read_bytes()[:-20])
    assert read_control_text(str(cut)) is None
    text = tmp_path / "text.deb"
    text.write_text("hello\n")
    assert read_control_text(str(text)) is None


def _bomb_tar(size: int) -> bytes:
    """A tar whose ./control is ordinary and whose other member is `size` zero bytes."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, body in (
            ("./control", b"Package: x\nVersion: 1\nArchitecture: all\n"),
            ("./bomb", bytes(size)),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


COMPRESSORS = {
    "control.tar.gz": lambda data: gzip.compress(data, 9),
    "control.tar.xz": lambda data: lzma.compress(data, lzma.FORMAT_XZ),
    "control.tar.zst": lambda data: zstandard.ZstdCompressor().compress(data),
    "control.tar.bz2": bz2.compress,
    "control.tar": lambda data: data,
}


@pytest.mark.parametrize("member", sorted(COMPRESSORS))
def test_control_tar_past_the_bound_is_refused_by_both_readers(tmp_path, monkeypatch, member):
    monkeypatch.setattr(debcontrol, "MAX_CONTROL_TAR", 1 << 20)
    small = COMPRESSORS[member](_bomb_tar(500 << 10))
    assert "Package: x" in debcontrol.control_text_in(member, len(small), lambda: small)
    big = COMPRESSORS[member](_bomb_tar(2 << 20))
    with pytest.raises(PackageError, match=rf"^{re.escape(member)} is larger than 1 MiB$"):
        debcontrol.control_text_in(member, len(big), lambda: big)
    path = tmp_path / "bomb.deb"
    path.write_bytes(ar((b"debian-binary", b"2.0\n"), (member.encode(), big), (b"data.tar", b"")))
    with pytest.raises(PackageError, match="is larger than 1 MiB"):
        read_control_text(str(path))
    with pytest.raises(PackageError, match=rf"^{re.escape(str(path))}: not a valid .deb \("):
        read_deb(path)
