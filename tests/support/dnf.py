"""A real dnf installing into its own --installroot, with its own repo files and cache."""

from __future__ import annotations

import subprocess
from pathlib import Path


class DnfClient:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "etc/yum.repos.d").mkdir(parents=True, exist_ok=True)

    def add_repo(self, repo_id: str, baseurl: str, key: Path, gpgcheck: bool = False) -> None:
        (self.root / f"etc/yum.repos.d/{repo_id}.repo").write_text(
            f"[{repo_id}]\nname={repo_id}\nbaseurl={baseurl}\nenabled=1\n"
            f"repo_gpgcheck=1\ngpgcheck={int(gpgcheck)}\ngpgkey=file://{key}\n"
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        r = self.root
        done = subprocess.run(
            [
                "dnf",
                "-y",
                f"--installroot={r}",
                f"--setopt=reposdir={r}/etc/yum.repos.d",
                f"--setopt=cachedir={r}/cache",
                "--setopt=install_weak_deps=False",
                "--releasever=1",
                *args,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        if done.returncode != 0:
            raise AssertionError(f"dnf {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def install(self, *packages: str) -> subprocess.CompletedProcess[str]:
        return self.run("install", *packages)

    def rpm(self, *args: str) -> str:
        return subprocess.run(
            ["rpm", "--root", str(self.root), *args], capture_output=True, text=True, check=True
        ).stdout
