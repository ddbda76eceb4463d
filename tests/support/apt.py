"""A real apt-get, isolated from the machine: its own Dir=, state, cache and trusted key."""

from __future__ import annotations

import subprocess
from pathlib import Path


class AptClient:
    def __init__(self, root: Path, arch: str = "amd64") -> None:
        self.root = root
        self.arch = arch
        for sub in (
            "etc/apt/preferences.d",
            "etc/apt/apt.conf.d",
            "etc/apt/sources.list.d",
            "var/lib/apt/lists/partial",
            "var/cache/apt/archives/partial",
            "var/lib/dpkg/info",
            "var/lib/dpkg/updates",
            "var/log/apt",
            "downloads",
        ):
            (root / sub).mkdir(parents=True, exist_ok=True)
        (root / "var/lib/dpkg/status").touch()

    def set_sources(self, lines: list[str]) -> None:
        (self.root / "etc/apt/sources.list").write_text("\n".join(lines) + "\n")

    def options(self) -> list[str]:
        a = self.root
        return [
            "-o",
            f"Dir={a}",
            "-o",
            f"Dir::State::status={a}/var/lib/dpkg/status",
            "-o",
            "Debug::NoLocking=1",
            "-o",
            "APT::Sandbox::User=root",
            "-o",
            "Dir::Etc::trusted=/dev/null",
            "-o",
            f"Dir::Etc::trustedparts={a}/none",
            "-o",
            f"APT::Architecture={self.arch}",
            "-o",
            "APT::Architectures::=",
            "-o",
            "Acquire::Languages=none",
            "-o",
            "Acquire::Retries=0",
        ]

    def run(
        self, *args: str, tool: str = "apt-get", cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [tool, *self.options(), *args],
            capture_output=True,
            text=True,
            cwd=cwd or self.root / "downloads",
            check=False,
            timeout=300,
        )
        if check and (
            done.returncode != 0 or "\nW: " in "\n" + done.stderr or "\nE: " in "\n" + done.stderr
        ):
            raise AssertionError(
                f"{tool} {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done

    def update(self) -> subprocess.CompletedProcess[str]:
        return self.run("-o", "Debug::Acquire::http=true", "update")

    def download(self, package: str) -> Path:
        self.run("download", package)
        name = package.split("=")[0]
        found = sorted((self.root / "downloads").glob(f"{name}_*.deb"))
        assert found, f"apt-get download {package} wrote no file"
        return found[-1]

    def install(self, *packages: str) -> subprocess.CompletedProcess[str]:
        """Install into this root for real: dpkg unpacks there and runs maintainer scripts in it."""
        return self.run(*self.dpkg_options(), "-y", "install", *packages)

    def dpkg_options(self) -> list[str]:
        """apt-get options that make dpkg unpack, record and log inside this root."""
        a = self.root
        return [
            "-o",
            f"DPkg::Options::=--root={a}",
            "-o",
            f"DPkg::Options::=--admindir={a}/var/lib/dpkg",
            "-o",
            f"DPkg::Options::=--log={a}/var/log/dpkg.log",
        ]

    def show(self, package: str) -> str:
        return self.run("show", "--no-all-versions", package, tool="apt-cache").stdout

    def policy(self, package: str) -> str:
        return self.run("policy", package, tool="apt-cache").stdout
