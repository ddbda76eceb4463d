"""Packages read back from a root are written again from their stored XML, byte for byte."""

from __future__ import annotations

import gzip
from pathlib import Path

import createrepo_c as cr
import pytest

from publisher.stores.local import LocalStore
from publisher.yum.chunks import read_chunks, split_chunks
from publisher.yum.render import render_repodata
from publisher.yum.rpmpkg import read_rpm
from publisher.yum.state import read_rpm_root
from tests.support.rpms import build_rpm


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory) -> list[cr.Package]:
    """Three packages as createrepo_c reads them back from metadata (not from their .rpm)."""
    work = tmp_path_factory.mktemp("rpms")
    rpms = [
        build_rpm(work, "r2-a", "1.0", requires=("bash",)),
        build_rpm(work, "r2-b", "2.0", "3", "x86_64", epoch=1),
        build_rpm(work, "r2-c", "0.1", changelog=False),
    ]
    written = render_repodata([read_rpm(rpm).metadata for rpm in rpms], 1)
    repodata = work / "repo" / "repodata"
    repodata.mkdir(parents=True)
    for name, data in written.files.items():
        (repodata.parent / name).write_bytes(data)
    (repodata / "repomd.xml").write_bytes(written.repomd)
    state = read_rpm_root(LocalStore(work), "repo")
    assert len(state.packages) == 3
    return list(state.packages.values())


def _kind_text(written, kind: str) -> str:  # type: ignore[no-untyped-def]
    (data,) = [data for name, data in written.files.items() if name.endswith(f"-{kind}.xml.gz")]
    return gzip.decompress(data).decode()


def test_stored_chunks_are_exactly_what_createrepo_c_dumps(packages: list[cr.Package]) -> None:
    written = render_repodata(packages, 7)
    for kind, dump in (
        ("primary", cr.xml_dump_primary),
        ("filelists", cr.xml_dump_filelists),
        ("other", cr.xml_dump_other),
    ):
        chunks = split_chunks(kind, _kind_text(written, kind))
        assert chunks == {package.pkgId: dump(package) for package in packages}


def test_rendering_from_stored_chunks_writes_the_same_bytes(packages: list[cr.Package]) -> None:
    dumped = render_repodata(packages, 7)
    stored = read_chunks(
        {
            kind: (name, data)
            for kind in ("primary", "filelists", "other")
            for name, data in dumped.files.items()
            if name.endswith(f"-{kind}.xml.gz")
        }
    )
    assert render_repodata(packages, 7, None, stored) == dumped


def test_a_stored_chunk_is_used_only_with_its_package_in_all_three(
    packages: list[cr.Package],
) -> None:
    dumped = render_repodata(packages, 7)
    stored = {
        kind: split_chunks(kind, _kind_text(dumped, kind))
        for kind in ("primary", "filelists", "other")
    }
    marked = packages[0].pkgId
    stored["primary"][marked] = stored["primary"][marked].replace("<summary>", "<summary>MARK ")
    assert "MARK" in _kind_text(render_repodata(packages, 7, None, stored), "primary")
    del stored["other"][marked]  # then the package is dumped again, from what was parsed
    assert render_repodata(packages, 7, None, stored) == dumped


def test_a_pkgid_seen_twice_is_not_reused() -> None:
    entry = '<package pkgid="ab" name="x" arch="noarch">\n</package>\n'
    other = '<package pkgid="cd" name="y" arch="noarch">\n</package>\n'
    assert split_chunks("other", entry + other + entry) == {"cd": other}


@pytest.mark.parametrize(
    ("href", "data"),
    [
        ("repodata/x-other.xml.zst", b"\x28\xb5\x2f\xfd"),  # another tool's compression
        ("repodata/x-other.xml.gz", b"not gzip at all"),  # damaged
    ],
)
def test_files_that_are_not_readable_gzip_give_no_chunks(href: str, data: bytes) -> None:
    assert read_chunks({"other": (href, data)}) == {}


def test_read_rpm_root_keeps_the_chunks_of_what_it_read(tmp_path: Path) -> None:
    rpm = read_rpm(build_rpm(tmp_path, "r2-kept", "1.0"))
    written = render_repodata([rpm.metadata], 1)
    for name, data in written.files.items():
        (tmp_path / "root" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "root" / name).write_bytes(data)
    (tmp_path / "root/repodata/repomd.xml").write_bytes(written.repomd)
    state = read_rpm_root(LocalStore(tmp_path), "root")
    assert state.chunks()["primary"] == {rpm.sha256: rpm.metadata.primary}
    assert state.chunks()["filelists"] == {rpm.sha256: rpm.metadata.filelists}
    assert state.chunks()["other"] == {rpm.sha256: rpm.metadata.other}
