"""Sources for `r2repo build` tests: a tool, its config and scripts, and a shell for the roots."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

MAINTAINER = "Me <me@example.com>"
# The programs a package's scripts and binary need inside an empty install root: a shell.
SHELL_FILES = {
    "/bin/dash": "/bin/sh",
    "/lib/x86_64-linux-gnu/libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib64/ld-linux-x86-64.so.2": "/lib64/ld-linux-x86-64.so.2",
}


def tool_sources(directory: Path) -> dict[str, Path]:
    """A `mytool` script, a config file, a data directory and an after-install script."""
    directory.mkdir(parents=True, exist_ok=True)
    tool = directory / "mytool"
    tool.write_text("#!/bin/sh\necho 'mytool 1.4.2'\n")
    tool.chmod(0o755)
    config = directory / "config.yml"
    config.write_text("listen: 127.0.0.1:8080\n")
    config.chmod(0o644)
    share = directory / "share"
    (share / "templates").mkdir(parents=True, exist_ok=True)
    (share / "templates" / "index.html").write_text("<p>hello</p>\n")
    (share / "current").unlink(missing_ok=True)
    (share / "current").symlink_to("templates/index.html")
    state = directory / "state"
    state.mkdir(exist_ok=True)
    # Shell built-ins only: the root it runs in has nothing but a shell.
    postinst = directory / "postinst"
    postinst.write_text('#!/bin/sh\necho "installed $1" > /var/lib/mytool/installed\n')
    return {"tool": tool, "config": config, "share": share, "state": state, "postinst": postinst}


def tool_args(sources: dict[str, Path], *extra: str) -> list[str]:
    """`r2repo build` options for mytool (the issue's example, installable in an empty root)."""
    return [
        "--name", "mytool", "--version", "1.4.2", "--arch", "amd64",
        "--maintainer", MAINTAINER,
        "--description", "My tool\nA tool the r2repo tests package.\n\nIt prints its version.",
        "--license", "Apache-2.0", "--url", "https://example.com/mytool",
        "--file", f"{sources['tool']}=/usr/bin/mytool",
        "--file", f"{sources['share']}=/usr/share/mytool",
        "--file", f"{sources['state']}=/var/lib/mytool",
        "--config-file", f"{sources['config']}=/etc/mytool/config.yml",
        "--after-install", str(sources["postinst"]),
        *extra,
    ]  # fmt: skip


def shell_args() -> list[str]:
    """`r2repo build` options for `testshell`: dash as /bin/sh with its libraries."""
    args = [
        "--name", "testshell", "--version", "1.0", "--arch", "amd64",
        "--maintainer", MAINTAINER, "--description", "A shell for empty install roots",
    ]  # fmt: skip
    for source, dest in SHELL_FILES.items():
        args += ["--file", f"{Path(source).resolve()}={dest}"]
    return args


def dpkg_root(root: Path) -> Path:
    """An empty root dpkg --root can install into."""
    for sub in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "var/lib/dpkg/status").touch()
    return root


def run(*argv: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in argv], capture_output=True, text=True, cwd=cwd, check=False
    )
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def in_root(root: Path, *argv: str) -> str:
    """Run a program inside an install root (chroot), as the installed system would."""
    assert shutil.which("chroot")
    return run("chroot", root, *argv)


def repo_text(repo_id: str, baseurl: str, key: Path) -> str:
    """A dnf .repo section for a repository signed with `key` (packages themselves unsigned)."""
    return (
        f"[{repo_id}]\nname={repo_id}\nbaseurl={baseurl}\nenabled=1\n"
        f"repo_gpgcheck=1\ngpgcheck=0\ngpgkey=file://{key}\n"
    )


def lintian(deb: Path) -> subprocess.CompletedProcess[str]:
    """lintian run on `deb` (tags on stdout), after making sure it ran its checks on it: a lintian
    that checked nothing (an unreadable file, an empty profile) prints no tag either."""
    done = subprocess.run(
        ["lintian", "--allow-root", "--debug", str(deb)],
        capture_output=True,
        text=True,
        check=False,
    )
    # --debug says on stderr each check it ran; the tags stay alone on stdout.
    checks = re.findall(r"^Check \S+ for binary:\S+ done", done.stderr, re.M)
    assert len(checks) >= 100, f"lintian ran {len(checks)} checks on {deb}:\n{done.stderr}"
    return done


def rpmlint_errors(rpm: Path) -> set[str]:
    """The names of rpmlint's errors for `rpm`, after making sure it ran its checks on that one
    package: a missing file or a configuration without checks reports no error either."""
    done = subprocess.run(["rpmlint", str(rpm)], capture_output=True, text=True, check=False)
    ran = re.search(r"^checks: (\d+), packages: 1$", done.stdout, re.M)
    assert ran and int(ran.group(1)) >= 10, f"rpmlint checked nothing:\n{done.stdout}{done.stderr}"
    assert "1 packages and 0 specfiles checked;" in done.stdout, done.stdout
    return set(re.findall(r": E: (\S+)", done.stdout))
