"""Unit tests of the package writers' pieces: RPM header layout, cpio, names, settings."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from publisher.build.arches import find_arch
from publisher.build.config import load_package_table, merge_settings, spec_from_settings
from publisher.build.cpio import write_cpio
from publisher.build.deb import installed_size
from publisher.build.depends import parse_dependency
from publisher.build.rpmheader import MAGIC, Header
from publisher.build.rpmtags import HEADERIMMUTABLE, TAGS
from publisher.build.tree import data_entry, dir_entry
from publisher.errors import BuildError


def _index(blob: bytes) -> list[tuple[int, int, int, int]]:
    count, _ = struct.unpack(">II", blob[8:16])
    return [struct.unpack(">IIiI", blob[16 + 16 * i : 32 + 16 * i]) for i in range(count)]


def test_header_region_sorted_tags_and_alignment():
    header = Header(TAGS, HEADERIMMUTABLE)
    header.add("NAME", "x")
    header.add("FILEMODES", [0o100644])
    header.add("BUILDTIME", [7])
    header.add("HEADERI18NTABLE", ["C"])
    blob = header.to_bytes()
    assert blob[:8] == MAGIC
    count, data_len = struct.unpack(">II", blob[8:16])
    entries = _index(blob)
    assert [tag for tag, *_ in entries] == [63, 100, 1000, 1006, 1030]
    data = blob[16 + 16 * count :]
    assert len(data) == data_len
    region_tag, region_type, region_offset, region_count = entries[0]
    assert (region_tag, region_type, region_count) == (63, 7, 16)
    # The trailer closes the data and points back over the whole index.
    assert region_offset == data_len - 16
    assert struct.unpack(">IIiI", data[region_offset:]) == (63, 7, -16 * count, 16)
    offsets = {tag: offset for tag, _, offset, _ in entries}
    assert offsets[1006] % 4 == 0 and offsets[1030] % 2 == 0
    assert data[offsets[1006] : offsets[1006] + 4] == struct.pack(">I", 7)
    assert data[offsets[1000] : offsets[1000] + 2] == b"x\0"


def test_cpio_newc_layout_and_trailer():
    out = io.BytesIO()
    entries = [dir_entry("/d", 5), data_entry("/d/f", b"abc", 5)]
    write_cpio(out, entries, ["./d", "./d/f"])
    blob = out.getvalue()
    assert blob.startswith(b"070701")
    first_name_size = int(blob[94:102], 16)
    assert first_name_size == len(b"./d\0")
    second = blob.index(b"070701", 6)
    assert second % 4 == 0
    assert int(blob[second + 54 : second + 62], 16) == 3  # file size
    assert blob[second + 6 + 8 : second + 14 + 8] == b"000081A4"  # mode 0100644
    assert b"abc\0" in blob
    assert blob.rstrip(b"\0").endswith(b"TRAILER!!!")
    assert len(blob) % 4 == 0


def test_installed_size_counts_like_dpkg_gencontrol():
    entries = [dir_entry("/a", 0), data_entry("/a/x", b"x" * 1025, 0), data_entry("/a/y", b"", 0)]
    assert installed_size(entries) == 1 + 2 + 0


@pytest.mark.parametrize(
    ("name", "deb", "rpm"),
    [("x86_64", "amd64", "x86_64"), ("386", "i386", "i686"), ("ARM64", "arm64", "aarch64")],
)
def test_arch_aliases(name, deb, rpm):
    arch = find_arch(name)
    assert (arch.deb, arch.rpm) == (deb, rpm)


def test_unknown_arch_names_the_known_ones():
    with pytest.raises(BuildError, match=r"architecture 'mips': unknown \(known: amd64/x86_64"):
        find_arch("mips")


def test_dependency_syntax_both_ways():
    dep = parse_dependency("libc6 (>= 2.31) | musl")
    assert dep.deb() == "libc6 (>= 2.31) | musl"
    assert [rel.rpm() for rel in dep.alternatives] == ["libc6 >= 2.31", "musl"]
    assert parse_dependency("openssl > 3").deb() == "openssl (>> 3)"
    with pytest.raises(BuildError, match="dependency 'bad name here'"):
        parse_dependency("bad name here")


def test_toml_paths_are_relative_to_the_file(tmp_path: Path):
    config = tmp_path / "conf" / "r2repo.toml"
    config.parent.mkdir()
    config.write_text(
        '[package]\nname = "t"\nfiles = ["bin/t=/usr/bin/t"]\nafter-install = "post.sh"\n'
    )
    table = load_package_table(config)
    assert table["files"] == [f"{tmp_path / 'conf' / 'bin/t'}=/usr/bin/t"]
    assert table["after-install"] == str(tmp_path / "conf" / "post.sh")


def test_toml_unknown_key_and_wrong_type(tmp_path: Path):
    config = tmp_path / "r2repo.toml"
    config.write_text('[package]\nnmae = "t"\n')
    with pytest.raises(BuildError, match="unknown key 'nmae'"):
        load_package_table(config)
    config.write_text("[package]\nfiles = 3\n")
    with pytest.raises(BuildError, match="files must be a list of strings"):
        load_package_table(config)


def test_options_override_the_file(tmp_path: Path):
    config = tmp_path / "r2repo.toml"
    config.write_text(
        '[package]\nname = "t"\nversion = "1"\narch = "all"\nmaintainer = "A <a@b.c>"\n'
        'description = "d"\ndepends = ["x"]\n'
    )
    settings = merge_settings(config, {"version": "2", "depends": ("y", "z"), "url": None})
    spec = spec_from_settings(settings)
    assert (spec.name, spec.version) == ("t", "2")
    assert [dep.deb() for dep in spec.depends] == ["y", "z"]
