"""Real dnf and zypper, isolated in their own root, against a served RPM repository."""

from __future__ import annotations

import subprocess
from pathlib import Path


def run(command: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, stdin=subprocess.DEVNULL
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done


class DnfClient:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "etc/yum.repos.d").mkdir(parents=True, exist_ok=True)

    def add_repo_file(self, text: str, name: str = "r2repo.repo") -> None:
        (self.root / "etc/yum.repos.d" / name).write_text(text)

    def dnf(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        r = self.root
        return run(
            [
                "dnf",
                "-y",
                f"--installroot={r}",
                f"--setopt=reposdir={r}/etc/yum.repos.d",
                "--releasever=1",
                f"--setopt=cachedir={r}/cache",
                "--setopt=install_weak_deps=False",
                "--setopt=skip_if_unavailable=False",
                "--disableplugin=local",
                *args,
            ],
            check,
        )

    def installed(self) -> list[str]:
        out = run(["rpm", "--root", str(self.root), "-qa", "--qf", "%{NEVRA}\\n"]).stdout
        return sorted(line for line in out.splitlines() if not line.startswith("gpg-pubkey"))


class ZypperClient:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def import_key(self, key: Path) -> None:
        run(["rpm", "--root", str(self.root), "--import", str(key)])

    def zypper(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(["zypper", "--root", str(self.root), "--non-interactive", *args], check)
