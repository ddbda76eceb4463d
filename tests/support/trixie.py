"""A Debian 13 (trixie) chroot: apt 3, which verifies signatures with sqv only."""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

# Kept between runs on one machine: debootstrap takes a minute or two.
CACHE = Path(os.environ.get("R2REPO_TEST_CACHE", "/var/tmp/r2repo-test-cache"))


def debian_mirror() -> str:
    sources = Path("/etc/apt/sources.list.d/debian.sources")
    if sources.exists():
        for line in sources.read_text().splitlines():
            if line.startswith("URIs:") and "security" not in line:
                return line.split()[1]
    return "http://deb.debian.org/debian"


def trixie_root() -> Path:
    root = CACHE / "trixie"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "trixie.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / ".complete").exists():
            subprocess.run(["rm", "-rf", str(root)], check=True)
            subprocess.run(
                [
                    "debootstrap",
                    "--variant=minbase",
                    "--include=sqv",
                    "trixie",
                    str(root),
                    debian_mirror(),
                ],
                check=True,
                capture_output=True,
                timeout=900,
            )
            (root / ".complete").touch()
    return root


def chroot_apt(root: Path, *args: str, tool: str = "apt-get") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["chroot", str(root), tool, "-o", "APT::Sandbox::User=root", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
