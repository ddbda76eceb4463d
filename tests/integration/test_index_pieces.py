"""A dist big enough for its Packages to be compressed in pieces (indexpieces): real apt-get reads
every piece of either compression, and adding a package reuses the unchanged pieces."""

from __future__ import annotations

import hashlib
import subprocess
import zlib
from pathlib import Path

import pytest

from bench.gendeb import DebSpec, deb_bytes
from publisher.apt import render as aptrender
from publisher.apt.indexpieces import WHOLE_BELOW
from publisher.apt.render import _compress_job as compress_job
from publisher.apt.xzstream import split_stream
from publisher.cli import main
from tests.support.apt import AptClient
from tests.support.server import serving

pytestmark = pytest.mark.slow  # large indexes, real apt-get

COUNT = 5000  # Architecture: all, about 760 bytes of Packages each: 3.8 MB per architecture
INDEX = "dists/big/main/binary-amd64/Packages"


def deb(directory: Path, number: int) -> Path:
    pkg = DebSpec(f"piece{number:05d}", f"1.{number % 7}-1", "all")
    path = directory / pkg.filename
    path.write_bytes(deb_bytes(pkg))
    return path


def members(gz: bytes) -> list[bytes]:
    """The gzip members of a file, as bytes."""
    found, offset = [], 0
    while offset < len(gz):
        inflater = zlib.decompressobj(31)
        inflater.decompress(gz[offset:])
        end = len(gz) - len(inflater.unused_data)
        found.append(gz[offset:end])
        offset = end
    return found


@pytest.fixture(scope="module")
def published(tmp_path_factory, key_dir) -> tuple[Path, dict[str, bytes], list[str]]:
    work = tmp_path_factory.mktemp("pieces")
    debs = [deb(work, number) for number in range(COUNT + 1)]
    store = work / "store"
    publish = ["publish", "--store", str(store), "--dist", "big"]
    publish += ["--signing-key", str(key_dir / "signing-key.asc")]
    assert main([*publish, *map(str, debs[:COUNT])]) == 0
    before = {suffix: (store / (INDEX + suffix)).read_bytes() for suffix in ("", ".gz", ".xz")}
    compressed: list[str] = []  # the kind of each piece the second publish compresses

    def counting(job: tuple[str, bytes]) -> object:
        compressed.append(job[0])
        return compress_job(job)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(aptrender, "_compress_job", counting)
        assert main([*publish, str(debs[COUNT])]) == 0
    return store, before, compressed


def test_big_indexes_are_in_pieces_that_decompress_to_packages(published):
    store, _, _ = published
    plain = (store / INDEX).read_bytes()
    assert len(plain) > WHOLE_BELOW
    for suffix, tool in ((".gz", "gzip"), (".xz", "xz")):
        unpacked = subprocess.run([tool, "-dc", store / (INDEX + suffix)], capture_output=True)
        assert unpacked.returncode == 0 and unpacked.stdout == plain
    blocks = split_stream((store / (INDEX + ".xz")).read_bytes())
    assert blocks is not None and len(blocks) >= 4
    assert len(members((store / (INDEX + ".gz")).read_bytes())) == len(blocks)


def test_adding_one_package_compresses_only_the_piece_it_falls_in(published):
    store, before, compressed = published
    new_blocks = split_stream((store / (INDEX + ".xz")).read_bytes())
    assert new_blocks is not None and len(new_blocks) >= 4
    # Both architectures list the new `all` package (here their indexes are the same text, so a
    # piece is compressed once for both): one or two pieces of each kind, instead of every one.
    assert 1 <= compressed.count("xz") <= 2 and 1 <= compressed.count("gz") <= 2
    old_blocks = split_stream(before[".xz"])
    assert old_blocks is not None
    kept = {block.data for block in old_blocks} & {block.data for block in new_blocks}
    assert len(kept) >= len(new_blocks) - 2
    old_members = members(before[".gz"])
    new_members = members((store / (INDEX + ".gz")).read_bytes())
    assert len(set(old_members) & set(new_members)) >= len(new_members) - 2
    assert (store / (INDEX + ".xz")).read_bytes() != before[".xz"]


@pytest.mark.parametrize("compression", ["xz", "gz"])
def test_apt_reads_every_piece(tmp_path, published, key_dir, compression):
    store, _, _ = published
    suffix = "." + compression
    sha512 = hashlib.sha512((store / (INDEX + suffix)).read_bytes()).hexdigest()
    with serving(store) as url:
        apt = AptClient(tmp_path)
        apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {url} big main"])
        done = apt.run(
            "-o", f"Acquire::CompressionTypes::Order::={compression}",
            "-o", "Debug::Acquire::http=true", "update",
        )  # fmt: skip
        assert sha512 in done.stdout + done.stderr  # this compression, by hash
        names = apt.run("pkgnames", "piece", tool="apt-cache").stdout.split()
        assert len(names) == COUNT + 1
        assert apt.download(f"piece{COUNT:05d}").name.startswith(f"piece{COUNT:05d}_")
