"""RPM publishing: parity with createrepo_c, incremental reads, bad input, keep/remove/list."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import createrepo_c as cr
import pytest

from publisher.ops.publish import PublishOptions, publish, read_inputs
from publisher.signing.gnupg import Signer
from publisher.stores.local import LocalStore
from tests.conftest import tree_digest
from tests.support.rpms import alien_rpms, build_rpm


@pytest.fixture
def key(key_dir: Path) -> list[str]:
    return ["--signing-key", str(key_dir / "signing-key.asc")]


def parsed(repo: Path) -> dict[tuple, cr.Package]:
    repomd = cr.Repomd(str(repo / "repodata/repomd.xml"))
    paths = {r.type: str(repo / r.location_href) for r in repomd.records}
    packages = cr.PackageIterator(paths["primary"], paths["filelists"], paths["other"])
    return {(p.name, p.epoch, p.version, p.release, p.arch): p for p in packages}


def test_primary_equals_createrepo_c(tmp_path, r2repo, key):
    sources = tmp_path / "src"
    sources.mkdir()
    rpms = [
        build_rpm(sources, "r2-a", "1.0", "1", "noarch"),
        build_rpm(
            sources,
            "r2-b",
            "2.0",
            "3",
            "x86_64",
            epoch=4,
            requires=("r2-a >= 1.0",),
            provides=("r2-virtual = 2",),
        ),
        *(shutil.copy(p, sources) and sources / p.name for p in alien_rpms()),
    ]
    subprocess.run(["createrepo_c", "--quiet", str(sources)], check=True)
    store = tmp_path / "store"
    assert r2repo("publish", "--store", store, *key, *rpms).code == 0
    theirs, ours = parsed(sources), parsed(store / "rpm")
    assert sorted(theirs) == sorted(ours) and len(ours) == 4
    for nevra, their in theirs.items():
        mine = ours[nevra]
        assert mine.pkgId == their.pkgId and mine.checksum_type == their.checksum_type
        assert mine.requires == their.requires
        assert mine.provides == their.provides
        assert mine.conflicts == their.conflicts and mine.obsoletes == their.obsoletes
        assert sorted(mine.files, key=str) == sorted(their.files, key=str) and mine.files
        assert mine.changelogs == their.changelogs
        assert mine.size_package == their.size_package
        assert mine.location_href.endswith("/" + their.location_href)
    assert ours[("r2-b", "4", "2.0", "3", "x86_64")].requires == [
        ("r2-a", "GE", "0", "1.0", None, False)
    ]


def package_chunks(path: Path, tag: str) -> list[str]:
    text = gzip.decompress(path.read_bytes()).decode()
    return re.findall(rf"<{tag}[ >].*?</{tag}>", text, flags=re.S)


def metadata_chunks(store: Path) -> dict[str, list[str]]:
    repomd = cr.Repomd(str(store / "rpm/repodata/repomd.xml"))
    tags = {"primary": "package", "filelists": "package", "other": "package"}
    return {
        r.type: package_chunks(store / "rpm" / r.location_href, tags[r.type])
        for r in repomd.records
        if r.type in tags
    }


class RecordingStore(LocalStore):
    """A real local store that remembers every key read."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: list[str] = []

    def get_bytes(self, key):  # type: ignore[no-untyped-def]
        self.reads.append(key)
        return super().get_bytes(key)

    def get_with_info(self, key):  # type: ignore[no-untyped-def]
        self.reads.append(key)
        return super().get_with_info(key)

    def open_read(self, key, start=0):  # type: ignore[no-untyped-def]
        self.reads.append(key)
        return super().open_read(key, start)


def test_incremental_publish_keeps_old_entries_and_reads_no_old_rpm(tmp_path, r2repo, key, key_dir):
    store = tmp_path / "store"
    old = [build_rpm(tmp_path, f"r2-old{n}", "1.0", "1", "noarch") for n in range(3)]
    assert r2repo("publish", "--store", store, *key, *old).code == 0
    before = metadata_chunks(store)
    new = build_rpm(tmp_path, "r2-new", "1.0", "1", "x86_64")
    recording = RecordingStore(store)
    with Signer([(key_dir / "signing-key.asc").read_bytes()]) as signer:
        publish(recording, read_inputs([new]), PublishOptions(), signer, tmp_path)
    assert recording.reads, "the publish read its state from the store"
    assert not [k for k in recording.reads if k.startswith("rpm/Packages/")]
    after = metadata_chunks(store)
    assert sorted(before) == sorted(after) == ["filelists", "other", "primary"]
    for kind, chunks in before.items():
        assert len(chunks) == 3
        for chunk in chunks:
            assert chunk in after[kind], kind
        assert len(after[kind]) == 4
    # The superseded metadata stays for clients holding the old repomd.xml.
    old_files = {p.name for p in (store / "rpm/repodata").glob("*-primary.xml.gz")}
    assert len(old_files) == 2


def test_identical_republish_is_a_no_op(tmp_path, r2repo, key):
    store = tmp_path / "store"
    rpm = build_rpm(tmp_path, "r2-same", "1.0")
    assert r2repo("publish", "--store", store, *key, "--base-url", "http://x", rpm).code == 0
    before = tree_digest(store)
    again = r2repo("publish", "--store", store, *key, rpm)
    assert again.code == 0 and "unchanged\trpm\tr2-same 1.0-1 noarch" in again.out
    assert tree_digest(store) == before


def test_keep_uses_rpm_version_order(tmp_path, r2repo, key):
    store = tmp_path / "store"
    rpms = [
        build_rpm(tmp_path, "r2-v", v, r)
        for v, r in (("1.0~rc1", "1"), ("1.0", "1"), ("1.0^git1", "1"), ("0.9", "2"))
    ]
    rpms.append(
        build_rpm(
            tmp_path,
            "r2-v",
            "0.1",
            "1",
            epoch=1,
        )
    )
    assert r2repo("publish", "--store", store, *key, *rpms).code == 0
    result = r2repo(
        "publish", "--store", store, *key, "--keep", "2", build_rpm(tmp_path, "r2-w", "1")
    )
    assert result.code == 0, result
    listed = r2repo("list", "--store", store, "--rpm-path", "rpm").out.splitlines()
    assert listed == [
        "rpm\trpm\tr2-v\t1.0^git1-1\tnoarch",
        "rpm\trpm\tr2-v\t1:0.1-1\tnoarch",
        "rpm\trpm\tr2-w\t1-1\tnoarch",
    ]


def test_remove_and_rpm_path(tmp_path, r2repo, key):
    store = tmp_path / "store"
    rpms = [build_rpm(tmp_path, "r2-r", v) for v in ("1", "2")]
    assert r2repo("publish", "--store", store, *key, "--rpm-path", "rpm/el9", *rpms).code == 0
    assert (store / "rpm/el9/repodata/repomd.xml.asc").is_file()
    assert r2repo("remove", "--store", store, *key, "--rpm-path", "rpm/el9", "r2-r=1-1").code == 0
    assert r2repo("list", "--store", store).out.splitlines() == ["rpm/el9\trpm\tr2-r\t2-1\tnoarch"]
    before = tree_digest(store)
    missing = r2repo("remove", "--store", store, *key, "--rpm-path", "rpm/el9", "r2-r=7")
    assert missing.code == 1 and "r2-r=7" in missing.err
    assert tree_digest(store) == before


def test_debs_and_rpms_in_one_command(tmp_path, r2repo, key):
    from tests.support.debs import build_deb

    store = tmp_path / "store"
    result = r2repo(
        "publish",
        "--store",
        store,
        *key,
        "--dist",
        "stable",
        build_deb(tmp_path, "r2-d", "1"),
        build_rpm(tmp_path, "r2-d", "1"),
    )
    assert result.code == 0, result
    assert (store / "dists/stable/InRelease").is_file()
    assert (store / "rpm/repodata/repomd.xml").is_file()


def test_sign_packages_without_rpmsign_fails_clearly(tmp_path, r2repo, key, monkeypatch):
    rpm = build_rpm(tmp_path, "r2-s", "1")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("gpg", "gpgconf", "gpg-agent"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(bin_dir))
    store = tmp_path / "store"
    result = r2repo("publish", "--store", store, *key, "--sign-packages", rpm)
    assert result.code == 1 and "rpmsign" in result.err
    assert not store.exists() or tree_digest(store) == tree_digest(tmp_path / "nothing")


def corrupt_header(rpm: Path, target: Path) -> Path:
    data = bytearray(rpm.read_bytes())
    at = data.find(b"r2repo test package")
    data[at] = ord("R")
    target.write_bytes(data)
    return target


@pytest.mark.parametrize(
    "case", ["text", "truncated", "corrupted-header", "same-nevra", "source-rpm", "empty"]
)
def test_bad_rpm_input_fails_cleanly(tmp_path, r2repo, key, case):
    store = tmp_path / "store"
    good = build_rpm(tmp_path, "r2-good", "1.0")
    assert r2repo("publish", "--store", store, *key, good).code == 0
    before = tree_digest(store)
    if case == "text":
        bad = tmp_path / "notes.rpm"
        bad.write_text("not an rpm\n")
    elif case == "empty":
        bad = tmp_path / "empty.rpm"
        bad.write_bytes(b"")
    elif case == "truncated":
        whole = build_rpm(tmp_path, "r2-big", "1.0", payload="x" * 20000)
        bad = tmp_path / "cut.rpm"
        bad.write_bytes(whole.read_bytes()[:-200])
    elif case == "corrupted-header":
        bad = corrupt_header(build_rpm(tmp_path, "r2-hdr", "1.0"), tmp_path / "hdr.rpm")
    elif case == "source-rpm":
        bad = tmp_path / "r2-good-1.0-1.src.rpm"
        shutil.copy(good, bad)
    else:
        other = tmp_path / "other"
        other.mkdir()
        bad = build_rpm(other, "r2-good", "1.0", payload="different bytes")
    fresh = build_rpm(tmp_path, "r2-fresh", "1.0")
    result = r2repo("publish", "--store", store, *key, fresh, bad)
    assert result.code == 1, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(bad) in lines[0], result.err
    assert tree_digest(store) == before
