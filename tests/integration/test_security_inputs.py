"""Hostile packages through the real `r2repo publish` (issue 14): what the index says of a .deb is
what dpkg sees in it, inputs cannot grow without bound, and nothing from a package header
leaves the repository. Each refusal is one line naming the file, a non-zero exit, and a
repository left exactly as it was."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from debian.deb822 import Packages

from publisher.build.arches import Arch
from publisher.build.rpm import write_rpm
from publisher.build.spec import PackageSpec
from tests.conftest import tree_digest
from tests.support.debs import assemble_deb, build_deb
from tests.support.publishers import publish_argv, run_r2repo

BASE = "http://127.0.0.1:1/repo"


def publish(store: Path, key_dir: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    return run_r2repo(*publish_argv(store, key_dir, BASE, "--dist", "stable", *files))


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, key_dir: Path) -> Path:
    """A repository that already holds one good package, published once."""
    work = tmp_path_factory.mktemp("good")
    store = work / "store"
    done = publish(store, key_dir, build_deb(work, "r2-good", "1.0", "all"))
    assert done.returncode == 0, done.stderr
    return store


@pytest.fixture
def store(published: Path, tmp_path: Path) -> Path:
    """A copy of `published` of this test's own."""
    store = tmp_path / "store"
    shutil.copytree(published, store, symlinks=True)
    return store


def assert_refused(
    done: subprocess.CompletedProcess[str], package: Path, reason: str, store: Path, before: str
) -> None:
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(package) in lines[0] and reason in lines[0], lines[0]
    assert tree_digest(store) == before


def dpkg_field(deb: Path, field: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "--field", str(deb), field], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.parametrize(
    ("separator", "code"),
    [
        ("\r", "U+000D"),
        ("\u2028", "U+2028"),
        ("\x85", "U+0085"),
        ("\v", "U+000B"),
        ("\f", "U+000C"),
        ("\x1e", "U+001E"),
    ],
)
def test_a_line_break_dpkg_does_not_see_is_refused(tmp_path, key_dir, store, separator, code):
    # python-debian would index this as coreutils 99; dpkg installs it as sneaky 1.0.
    extra = f"X-Note: hi{separator}Package: coreutils{separator}Version: 99\n"
    deb = build_deb(tmp_path, "sneaky", "1.0", "all", extra=extra)
    assert dpkg_field(deb, "Package") == "sneaky"
    assert dpkg_field(deb, "Version") == "1.0"
    before = tree_digest(store)
    assert_refused(publish(store, key_dir, deb), deb, code, store, before)
    assert not list(store.rglob("coreutils*"))


HEAD = b"Package: sneaky\nVersion: 1.0\nArchitecture: all\nMaintainer: T <t@example.com>\n"
DESCRIPTION = b"Description: d\n more\n"


@pytest.mark.parametrize(
    ("control", "reason"),
    [
        # dpkg ends a field at Ctrl+Z and reads "Depends: evil"; python-debian does not.
        (HEAD + b"X-Note: hi\x1aDepends: evil\n" + DESCRIPTION, "U+001A"),
        # dpkg refuses a field given twice (in any case); python-debian keeps the last.
        (HEAD + b"package: coreutils\n" + DESCRIPTION, "field package twice"),
        # dpkg refuses a second paragraph; python-debian reads the first only.
        (HEAD + DESCRIPTION + b"\nPackage: coreutils\nVersion: 99\n", "more than one paragraph"),
        # python-debian skips "#" lines: the continuation joins Depends, dpkg's "#X" field.
        (HEAD + b"Depends: libc6\n#X: y\n , evil\n" + DESCRIPTION, "line 6 is not a field"),
        # a line of blanks ends python-debian's paragraph; dpkg reads on.
        (HEAD + DESCRIPTION + b" \t\nDepends: evil\n", "line 7 holds only blanks"),
        # NUL ends dpkg's C string: Version 1.0 to dpkg, something else to the index.
        (HEAD.replace(b"1.0", b"1.0\0~evil") + DESCRIPTION, "U+0000"),
        # no final newline: dpkg refuses the file.
        (HEAD + DESCRIPTION.rstrip(b"\n"), "does not end with a newline"),
    ],
    ids=["ctrl-z", "duplicate", "paragraph", "comment", "blank-line", "nul", "no-newline"],
)
def test_control_text_dpkg_reads_otherwise_is_refused(tmp_path, key_dir, store, control, reason):
    deb = assemble_deb(tmp_path / "sneaky_1.0_all.deb", control)
    before = tree_digest(store)
    assert_refused(publish(store, key_dir, deb), deb, reason, store, before)


def test_dpkg_sees_what_the_crafted_debs_say(tmp_path):
    """The reference for the cases above: what dpkg itself reads in them."""
    ctrl_z = assemble_deb(tmp_path / "z.deb", HEAD + b"X-Note: hi\x1aDepends: evil\n" + DESCRIPTION)
    assert dpkg_field(ctrl_z, "Depends") == "evil"
    twice = assemble_deb(tmp_path / "t.deb", HEAD + b"package: coreutils\n" + DESCRIPTION)
    field = subprocess.run(
        ["dpkg-deb", "--field", str(twice), "Package"], capture_output=True, text=True
    )
    assert field.returncode != 0 and "duplicate value for 'Package' field" in field.stderr


def packages_text(store: Path) -> str:
    return (store / "dists/stable/main/binary-amd64/Packages").read_text()


def test_repository_fields_in_another_case_are_dropped(tmp_path, key_dir, store):
    """Chosen: a package's own Filename, Size or checksum, in any case, is dropped (as in the
    exact case before), and the stanza carries the repository's, once each."""
    extra = "filename: ../../evil.deb\nsha256: 00\nSIZE: 1\nmd5sum: 00\nSha512: 00\n"
    deb = build_deb(tmp_path, "r2-cased", "1.0", "all", extra=extra)
    assert dpkg_field(deb, "SHA256") == "00"  # dpkg reads "sha256:" as SHA256
    done = publish(store, key_dir, deb)
    assert done.returncode == 0, done.stderr
    (stanza,) = [s for s in packages_text(store).split("\n\n") if "r2-cased" in s]
    names = [line.split(":", 1)[0].lower() for line in stanza.splitlines() if line[:1] != " "]
    for field in ("filename", "size", "md5sum", "sha1", "sha256", "sha512"):
        assert names.count(field) == 1, (field, stanza)
    (parsed,) = [
        p
        for p in Packages.iter_paragraphs(packages_text(store), use_apt_pkg=False)
        if p["Package"] == "r2-cased"
    ]
    assert parsed["Filename"] == "pool/main/r/r2-cased/r2-cased_1.0_all.deb"
    assert parsed["Size"] == str(deb.stat().st_size)


def test_field_names_in_lower_case_are_the_same_fields(tmp_path, key_dir, store):
    """dpkg reads "package:" as Package; so does the index (it crashed on it before)."""
    control = HEAD.lower().replace(b"sneaky", b"r2-lower") + b"source: r2-src\n" + DESCRIPTION
    deb = assemble_deb(tmp_path / "lower.deb", control)
    assert dpkg_field(deb, "Package") == "r2-lower"
    done = publish(store, key_dir, deb)
    assert done.returncode == 0, done.stderr
    assert (store / "pool/main/r/r2-src/r2-lower_1.0_all.deb").is_file()
    assert "\nPackage: r2-lower\n" in packages_text(store)


def test_a_control_tar_that_expands_past_the_bound_is_refused(tmp_path, key_dir, store):
    # About 80 KiB on disk, 80 MiB once decompressed: past the 64 MiB bound on control.tar.
    control = HEAD.replace(b"sneaky", b"r2-bomb") + DESCRIPTION
    deb = assemble_deb(tmp_path / "r2-bomb_1.0_all.deb", control, ("./bomb", 80 << 20))
    assert deb.stat().st_size < 200 << 10
    assert dpkg_field(deb, "Package") == "r2-bomb"
    before = tree_digest(store)
    reason = "control.tar.gz is larger than 64 MiB"
    assert_refused(publish(store, key_dir, deb), deb, reason, store, before)


def write_rpm_file(path: Path, arch: str = "noarch", version: str = "1.0") -> Path:
    """An .rpm from r2repo's own writer, which takes any architecture (rpmbuild does not)."""
    spec = PackageSpec(
        name="r2-arch",
        version=version,
        arch=Arch("all", arch),
        maintainer="T <t@example.com>",
        description="d",
        files=[],
    )
    with path.open("wb") as out:
        write_rpm(spec, [], 1_700_000_000, out)
    return path


@pytest.mark.parametrize(
    ("arch", "version", "reason"),
    [
        ("noarch/../../../../zz", "1.0", "invalid architecture 'noarch/../../../../zz'"),
        ("no arch", "1.0", "invalid architecture 'no arch'"),
        ("x86_64\n", "1.0", "invalid architecture 'x86_64\\n'"),
        ("noarch", "1.0\n", "invalid version '1.0\\n'"),
    ],
    ids=["dot-dot", "blank", "arch-newline", "version-newline"],
)
def test_an_rpm_header_cannot_steer_its_location(tmp_path, key_dir, arch, version, reason):
    store = tmp_path / "store"
    good = write_rpm_file(tmp_path / "good.rpm")
    done = publish(store, key_dir, good)
    assert done.returncode == 0, done.stderr
    bad = write_rpm_file(tmp_path / "bad.rpm", arch, version)
    query = ["rpm", "-qp", "--nosignature", "--qf", "%{ARCH}|%{VERSION}", str(bad)]
    assert subprocess.run(query, capture_output=True, text=True).stdout == f"{arch}|{version}"
    before = tree_digest(tmp_path)
    assert_refused(publish(store, key_dir, bad), bad, reason, tmp_path, before)
