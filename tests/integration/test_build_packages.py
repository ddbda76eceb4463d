"""`r2repo build`: the packages it writes, checked and installed by Debian's and RPM's tools."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from publisher.cli import main
from tests.conftest import tree_digest
from tests.support.packaging import (
    dpkg_root,
    in_root,
    lintian,
    repo_text,
    rpmlint_errors,
    run,
    shell_args,
    tool_args,
    tool_sources,
)
from tests.support.rpmclients import DnfClient
from tests.support.server import serving

EPOCH = "1700000000"
DEB = "mytool_1.4.2_amd64.deb"
RPM = "mytool-1.4.2-1.x86_64.rpm"


def build(output: Path, *args: str) -> list[Path]:
    assert main(["build", *args, "--output-dir", str(output)]) == 0
    return sorted(output.iterdir())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """mytool and testshell, both formats, xz, built once with SOURCE_DATE_EPOCH set."""
    base = tmp_path_factory.mktemp("built")
    sources = tool_sources(base / "src")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        build(base / "dist", *tool_args(sources, "--depends", "testshell"))
        build(base / "shell", *shell_args())
    files = {path.name: path for path in [*(base / "dist").iterdir(), *(base / "shell").iterdir()]}
    files["sources"] = base / "src"
    return files


def test_build_writes_one_deb_and_one_rpm(built):
    assert DEB in built and RPM in built
    assert "testshell_1.0_amd64.deb" in built and "testshell-1.0-1.x86_64.rpm" in built


def test_dpkg_deb_info_and_contents(built):
    info = run("dpkg-deb", "--info", built[DEB])
    for line in (
        "Package: mytool",
        "Version: 1.4.2",
        "Architecture: amd64",
        "Maintainer: Me <me@example.com>",
        "Depends: testshell",
        "Homepage: https://example.com/mytool",
        "Description: My tool",
    ):
        assert line in info
    size = int(re.search(r"Installed-Size: (\d+)", info)[1])
    assert size >= 6
    contents = run("dpkg-deb", "--contents", built[DEB])
    assert re.search(r"-rwxr-xr-x root/root +\d+ \S+ \S+ \./usr/bin/mytool\n", contents)
    assert re.search(r"-rw-r--r-- root/root .* \./etc/mytool/config\.yml\n", contents)
    assert re.search(r"lrwxrwxrwx root/root .* \./usr/share/mytool/current -> templates/", contents)
    assert "./usr/share/doc/mytool/copyright" in contents
    assert "./var/lib/mytool/\n" in contents
    assert "2023-11-14 22:13" in contents  # every mtime clamped to SOURCE_DATE_EPOCH


def test_deb_control_members(built, tmp_path):
    run("dpkg-deb", "--control", built[DEB], tmp_path / "DEBIAN")
    control = tmp_path / "DEBIAN"
    assert (control / "conffiles").read_text() == "/etc/mytool/config.yml\n"
    assert os.stat(control / "postinst").st_mode & 0o777 == 0o755
    assert os.stat(control / "control").st_mode & 0o777 == 0o644
    md5sums = (control / "md5sums").read_text()
    tool = (built["sources"] / "mytool").read_bytes()
    assert f"{hashlib.md5(tool).hexdigest()}  usr/bin/mytool\n" in md5sums
    members = run("ar", "t", built[DEB]).split()
    assert members == ["debian-binary", "control.tar.xz", "data.tar.xz"]


@pytest.mark.slow
def test_lintian_finds_no_errors(built):
    done = lintian(built[DEB])
    errors = [line for line in done.stdout.splitlines() if line.startswith("E:")]
    assert errors == [], done.stdout
    assert done.returncode == 0, done.stdout + done.stderr


def test_rpm_query_info(built):
    info = run("rpm", "-qip", built[RPM])
    for pattern in (
        r"Name +: mytool",
        r"Version +: 1\.4\.2",
        r"Release +: 1",
        r"Architecture: x86_64",
        r"License +: Apache-2\.0",
        r"URL +: https://example\.com/mytool",
        r"Summary +: My tool",
        r"Source RPM +: mytool-1\.4\.2-1\.src\.rpm",
        r"Build Date +: Tue Nov 14 22:13:20 2023",
    ):
        assert re.search(pattern, info), pattern
    assert "It prints its version." in info


def test_rpm_file_list_modes_and_owners(built):
    listing = run("rpm", "-qlvp", built[RPM])
    assert re.search(r"-rwxr-xr-x +1 root +root +\d+ .* /usr/bin/mytool\n", listing)
    assert re.search(r"-rw-r--r-- +1 root +root .* /etc/mytool/config\.yml\n", listing)
    assert re.search(r"lrwxrwxrwx .* /usr/share/mytool/current -> templates/index\.html", listing)
    assert re.search(r"drwxr-xr-x .* /var/lib/mytool\n", listing)
    assert run("rpm", "-qcp", built[RPM]).split() == ["/etc/mytool/config.yml"]


def test_rpm_digests_verify(built):
    assert run("rpm", "-K", built[RPM]).strip().endswith("digests OK")
    verbose = run("rpm", "-Kv", built[RPM])
    for check in ("Header SHA256 digest: OK", "Payload SHA256 digest: OK", "MD5 digest: OK"):
        assert check in verbose


def test_rpm_scriptlet_requires_and_provides(built):
    scripts = run("rpm", "-qp", "--scripts", built[RPM])
    assert "postinstall scriptlet (using /bin/sh):" in scripts
    assert "/var/lib/mytool/installed" in scripts
    requires = run("rpm", "-qp", "--requires", built[RPM]).splitlines()
    assert "testshell" in requires and "/bin/sh" in requires
    assert "rpmlib(PayloadIsXz) <= 5.2-1" in requires
    provides = run("rpm", "-qp", "--provides", built[RPM]).splitlines()
    assert "mytool = 1.4.2-1" in provides
    assert "config(mytool) = 1.4.2-1" in provides


@pytest.mark.slow
def test_rpmlint_finds_no_errors_but_the_missing_signature(built):
    errors = rpmlint_errors(built[RPM])
    # Unsigned (r2repo signs with publish --sign-packages) and a script in an amd64 package.
    assert errors <= {"no-signature", "no-binary"}, errors


@pytest.mark.slow
def test_deb_installs_with_dpkg_root(built, tmp_path):
    root = dpkg_root(tmp_path / "root")
    run("dpkg", f"--root={root}", "-i", built["testshell_1.0_amd64.deb"], built[DEB])
    assert in_root(root, "/usr/bin/mytool").strip() == "mytool 1.4.2"
    assert (root / "var/lib/mytool/installed").read_text() == "installed configure\n"
    status = run("dpkg", f"--root={root}", "-s", "mytool")
    assert "Status: install ok installed" in status
    assert re.search(r"Conffiles:\n /etc/mytool/config\.yml [0-9a-f]{32}", status)
    assert (root / "usr/share/mytool/current").readlink() == Path("templates/index.html")


@pytest.mark.slow
def test_rpm_installs_with_rpm_root_and_verifies(built, tmp_path):
    root = tmp_path / "root"
    run("rpm", "--root", root, "-i", built["testshell-1.0-1.x86_64.rpm"], built[RPM])
    assert in_root(root, "/usr/bin/mytool").strip() == "mytool 1.4.2"
    assert (root / "var/lib/mytool/installed").read_text() == "installed 1\n"
    assert run("rpm", "--root", root, "-qc", "mytool").split() == ["/etc/mytool/config.yml"]
    # rpm -V compares every installed file with the header: digests, modes, owners, links.
    assert run("rpm", "--root", root, "-V", "mytool") == ""


@pytest.mark.slow
def test_dnf_installs_from_a_published_repository(built, tmp_path, key_dir, r2repo):
    store = tmp_path / "store"
    rpms = [built[RPM], built["testshell-1.0-1.x86_64.rpm"]]
    result = r2repo(
        "publish", "--store", store, "--signing-key", key_dir / "signing-key.asc", *rpms
    )
    assert result.code == 0, result
    with serving(store) as base:
        dnf = DnfClient(tmp_path / "root")
        dnf.add_repo_file(repo_text("built", f"{base}rpm", key_dir / "key.asc"))
        dnf.dnf("install", "mytool")
    root = dnf.root
    assert dnf.installed() == ["mytool-1.4.2-1.x86_64", "testshell-1.0-1.x86_64"]
    assert in_root(root, "/usr/bin/mytool").strip() == "mytool 1.4.2"
    assert (root / "var/lib/mytool/installed").read_text() == "installed 1\n"
    assert run("rpm", "--root", dnf.root, "-qc", "mytool").split() == ["/etc/mytool/config.yml"]


@pytest.mark.parametrize("compression", ["xz", "zstd"])
def test_two_builds_give_the_same_bytes(tmp_path, monkeypatch, compression):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    sources = tool_sources(tmp_path / "src")
    first = build(tmp_path / "one", *tool_args(sources, "--compression", compression))
    # A fresh checkout: same bytes, newer mtimes.
    for path in sources.values():
        os.utime(path, None, follow_symlinks=False)
    second = build(tmp_path / "two", *tool_args(sources, "--compression", compression))
    assert [p.name for p in first] == [p.name for p in second] == [RPM, DEB]
    for a, b in zip(first, second, strict=True):
        assert (
            hashlib.sha256(a.read_bytes()).hexdigest() == hashlib.sha256(b.read_bytes()).hexdigest()
        )


@pytest.mark.slow
def test_zstd_packages_read_and_install(tmp_path, monkeypatch):
    sources = tool_sources(tmp_path / "src")
    deb, rpm = (
        tmp_path / "dist" / DEB,
        tmp_path / "dist" / RPM,
    )
    build(tmp_path / "dist", *tool_args(sources, "--compression", "zstd"))
    assert run("ar", "t", deb).split() == ["debian-binary", "control.tar.zst", "data.tar.zst"]
    assert "./usr/bin/mytool" in run("dpkg-deb", "--contents", deb)
    assert run("rpm", "-qp", "--qf", "%{PAYLOADCOMPRESSOR}", rpm) == "zstd"
    assert run("rpm", "-K", rpm).strip().endswith("digests OK")
    build(tmp_path / "shell", *shell_args(), "--compression", "zstd")
    root = dpkg_root(tmp_path / "root")
    run("dpkg", f"--root={root}", "-i", tmp_path / "shell" / "testshell_1.0_amd64.deb", deb)
    assert in_root(root, "/usr/bin/mytool").strip() == "mytool 1.4.2"
    rroot = tmp_path / "rroot"
    run("rpm", "--root", rroot, "-i", tmp_path / "shell" / "testshell-1.0-1.x86_64.rpm", rpm)
    assert (rroot / "var/lib/mytool/installed").read_text() == "installed 1\n"


@pytest.mark.parametrize(
    ("given", "deb_arch", "rpm_arch"),
    [
        ("amd64", "amd64", "x86_64"),
        ("x86_64", "amd64", "x86_64"),
        ("arm64", "arm64", "aarch64"),
        ("aarch64", "arm64", "aarch64"),
        ("armhf", "armhf", "armv7hl"),
        ("386", "i386", "i686"),
        ("all", "all", "noarch"),
        ("noarch", "all", "noarch"),
    ],
)
def test_architecture_names_per_format(tmp_path, given, deb_arch, rpm_arch):
    sources = tool_sources(tmp_path / "src")
    files = build(tmp_path / "dist", *tool_args(sources, "--arch", given))
    assert [p.name for p in files] == [
        f"mytool-1.4.2-1.{rpm_arch}.rpm",
        f"mytool_1.4.2_{deb_arch}.deb",
    ]
    assert run("dpkg-deb", "-f", files[1], "Architecture").strip() == deb_arch
    assert run("rpm", "-qp", "--qf", "%{ARCH}", files[0]) == rpm_arch


def test_depends_release_and_changelog_per_format(tmp_path):
    sources = tool_sources(tmp_path / "src")
    files = build(
        tmp_path / "dist",
        *tool_args(
            sources,
            "--release", "3",
            "--depends", "libc6 (>= 2.31)",
            "--depends", "default-mta | mail-transport-agent",
            "--provides", "mytool-cli",
            "--changelog", "First packaged release.",
        ),
    )  # fmt: skip
    rpm, deb = files
    assert deb.name == "mytool_1.4.2-3_amd64.deb" and rpm.name == "mytool-1.4.2-3.x86_64.rpm"
    assert run("dpkg-deb", "-f", deb, "Depends").strip() == (
        "libc6 (>= 2.31), default-mta | mail-transport-agent"
    )
    assert run("dpkg-deb", "-f", deb, "Provides").strip() == "mytool-cli"
    requires = run("rpm", "-qp", "--requires", rpm).splitlines()
    assert "libc6 >= 2.31" in requires
    assert "(default-mta or mail-transport-agent)" in requires
    assert "rpmlib(RichDependencies) <= 4.12.0-1" in requires
    assert "mytool-cli" in run("rpm", "-qp", "--provides", rpm).splitlines()
    changelog = run("rpm", "-qp", "--changelog", rpm)
    assert "Me <me@example.com> - 1.4.2-3" in changelog and "- First packaged release." in changelog
    contents = run("dpkg-deb", "--contents", deb)
    assert "./usr/share/doc/mytool/changelog.Debian.gz" in contents


def test_mode_override(tmp_path):
    sources = tool_sources(tmp_path / "src")
    rpm, deb = build(tmp_path / "dist", *tool_args(sources, "--mode", "/usr/bin/mytool=0750"))
    assert re.search(r"-rwxr-x--- root/root .* \./usr/bin/mytool\n", run("dpkg-deb", "-c", deb))
    assert re.search(r"-rwxr-x--- .* /usr/bin/mytool\n", run("rpm", "-qlvp", rpm))


def test_settings_from_r2repo_toml(tmp_path, monkeypatch, r2repo):
    sources = tool_sources(tmp_path / "project" / "pkg")
    (tmp_path / "project" / "r2repo.toml").write_text(
        "[package]\n"
        'name = "mytool"\nversion = "1.0.0"\narch = "arm64"\n'
        'maintainer = "Me <me@example.com>"\n'
        'description = """My tool\nFrom the config file."""\n'
        'license = "MIT"\n'
        'files = ["pkg/mytool=/usr/bin/mytool"]\n'
        'config-files = ["pkg/config.yml=/etc/mytool/config.yml"]\n'
        'after-install = "pkg/postinst"\n'
        'formats = ["rpm"]\n'
        'output-dir = "out"\n'
    )
    assert sources["tool"].exists()
    monkeypatch.chdir(tmp_path / "project")
    result = r2repo("build", "--version", "1.5.0")
    assert result.code == 0, result
    assert result.out == "built\tout\tmytool-1.5.0-1.aarch64.rpm\n"
    rpm = tmp_path / "project" / "out" / "mytool-1.5.0-1.aarch64.rpm"
    assert run("rpm", "-qp", "--qf", "%{LICENSE} %{SUMMARY}", rpm) == "MIT My tool"
    assert "/var/lib/mytool/installed" in run("rpm", "-qp", "--scripts", rpm)


BAD_INPUTS = [
    (["--file", "missing-file=/usr/bin/x"], "missing-file: no such file or directory"),
    (["--file", "{tool}=usr/bin/mytool"], "destination 'usr/bin/mytool': not an absolute path"),
    (["--name", "MyTool"], "name 'MyTool': invalid for .deb"),
    (["--version", "1.4-2", "--format", "rpm"], "version '1.4-2': invalid for .rpm"),
    (["--version", "va1.4", "--format", "deb"], "version 'va1.4': invalid for .deb"),
    (["--arch", "sparc64"], "architecture 'sparc64': unknown"),
    (["--after-install", "no-such-script"], "no-such-script: no such file"),
    (["--maintainer", "nobody"], "maintainer 'nobody': expected 'Name <address@example.com>'"),
]


@pytest.mark.parametrize(("extra", "message"), BAD_INPUTS)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, r2repo, extra, message):
    sources = tool_sources(tmp_path / "src")
    extra = [arg.format(tool=sources["tool"]) for arg in extra]
    out = tmp_path / "dist"
    out.mkdir()
    (out / "earlier.deb").write_bytes(b"kept")
    before = tree_digest(out)
    result = r2repo("build", *tool_args(sources, *extra), "--output-dir", out)
    assert result.code == 1, result
    assert result.err.count("\n") == 1 and result.err.startswith("error: "), result.err
    assert message in result.err
    assert tree_digest(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["earlier.deb"]


def test_bad_input_does_not_create_the_output_dir(tmp_path, r2repo):
    sources = tool_sources(tmp_path / "src")
    result = r2repo("build", *tool_args(sources, "--arch", "vax"), "--output-dir", tmp_path / "new")
    assert result.code == 1
    assert not (tmp_path / "new").exists()


def test_missing_required_setting(tmp_path, r2repo, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = r2repo("build", "--name", "mytool", "--version", "1.0", "--arch", "all")
    assert result.code == 1
    assert "maintainer: missing" in result.err


CONFINED_TOML = (
    "[package]\n"
    'name = "mytool"\nversion = "1.0.0"\narch = "all"\n'
    'maintainer = "Me <me@example.com>"\ndescription = "My tool"\n'
    'formats = ["deb"]\noutput-dir = "{out}"\nfiles = ["{source}=/usr/share/mytool/data"]\n'
)


@pytest.mark.parametrize(
    ("key", "source", "out"),
    [
        ("files", "../secret.txt", "out"),
        ("files", "{secret}", "out"),
        ("files", "link-to-secret", "out"),
        ("output-dir", "data.txt", "{elsewhere}"),
        ("output-dir", "data.txt", "../elsewhere"),
    ],
)
def test_r2repo_toml_paths_stay_in_its_directory(r2repo, tmp_path, monkeypatch, key, source, out):
    """A config that came with the sources (a pull request) may not reach the job's other files."""
    secret = tmp_path / "secret.txt"
    secret.write_text("CI secret\n")
    elsewhere = tmp_path / "elsewhere"
    project = tmp_path / "project"
    project.mkdir()
    (project / "data.txt").write_text("data\n")
    (project / "link-to-secret").symlink_to(secret)
    values = {"secret": secret, "elsewhere": elsewhere}
    (project / "r2repo.toml").write_text(
        CONFINED_TOML.format(source=source.format(**values), out=out.format(**values))
    )
    monkeypatch.chdir(project)
    before = tree_digest(tmp_path)
    store = tmp_path / "store"
    for command in (("build",), ("release", "--store", store, "--dist", "d")):
        done = r2repo(*command)
        assert done.code == 1 and done.out == "", done
        assert done.err.count("\n") == 1, done.err
        assert f"[package] {key} " in done.err and "give --allow-outside" in done.err
        assert tree_digest(tmp_path) == before and not elsewhere.exists()
    allowed = r2repo("build", "--allow-outside")
    assert allowed.code == 0, allowed


def test_allow_outside_packs_a_file_from_outside(r2repo, tmp_path, monkeypatch):
    secret = tmp_path / "outside.txt"
    secret.write_text("outside\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "r2repo.toml").write_text(CONFINED_TOML.format(source="../outside.txt", out="out"))
    monkeypatch.chdir(project)
    assert r2repo("build").code == 1
    assert r2repo("build", "--allow-outside").code == 0
    deb = project / "out" / "mytool_1.0.0_all.deb"
    assert "./usr/share/mytool/data" in run("dpkg-deb", "-c", deb)
