"""xz streams taken apart into blocks and joined again (publisher.apt.xzstream)."""

from __future__ import annotations

import lzma
import os
import shutil
import subprocess
import zlib

import pytest

from publisher.apt.xzstream import compress_block, join_blocks, split_stream

TEXTS = [b"Package: a\n" * 5000, os.urandom(70_000), b"x", b"Package: b\nVersion: 1\n" * 3000]


def test_a_block_checks_the_crc32_of_its_text():
    for text in TEXTS:
        block = compress_block(text, 0)
        assert block.crc32 == zlib.crc32(text)
        assert block.uncompressed_size == len(text)


def test_one_block_joined_is_what_lzma_writes():
    whole = lzma.compress(TEXTS[0], preset=0, check=lzma.CHECK_CRC32)
    blocks = split_stream(whole)
    assert blocks is not None and len(blocks) == 1
    assert join_blocks(blocks) == whole


def test_blocks_join_into_one_stream_every_decoder_reads(tmp_path):
    joined = join_blocks([compress_block(text, 0) for text in TEXTS])
    assert lzma.decompress(joined) == b"".join(TEXTS)
    blocks = split_stream(joined)
    assert blocks is not None and len(blocks) == len(TEXTS)
    path = tmp_path / "Packages.xz"
    path.write_bytes(joined)
    assert shutil.which("xz"), "xz-utils is installed by scripts/install-deps"
    listing = subprocess.run(["xz", "--list", "--robot", path], capture_output=True, text=True)
    assert listing.returncode == 0
    summary = next(line for line in listing.stdout.splitlines() if line.startswith("file\t"))
    assert summary.split("\t")[1:3] == ["1", str(len(TEXTS))]  # one stream, four blocks
    unpacked = subprocess.run(["xz", "-dc", path], capture_output=True, check=True).stdout
    assert unpacked == b"".join(TEXTS)


@pytest.mark.parametrize(
    "data",
    [
        lzma.compress(b"crc64 is the default check", preset=0),
        lzma.compress(b"two", check=lzma.CHECK_CRC32) * 2,
        lzma.compress(b"damaged index", check=lzma.CHECK_CRC32)[:-13] + b"\x01" + b"\0" * 12,
        b"not xz at all",
        b"",
    ],
)
def test_anything_but_one_crc32_stream_has_no_blocks_to_reuse(data):
    assert split_stream(data) is None


def test_an_empty_text_has_no_block():
    with pytest.raises(ValueError):
        compress_block(b"", 0)
    assert lzma.decompress(join_blocks([])) == b""
