"""The package sets, generated once into the cache and reused: sizes are prefixes of one set."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from bench import gendeb, genrpm

# Small packages of Debian's main archive, fetched with `apt-get download` (no dependencies).
REAL_DEBS = (
    "hello", "cowsay", "libpopt0", "bsdutils", "sed", "grep", "gzip", "tar", "less", "nano",
    "file", "curl", "wget", "jq", "tree", "htop", "zstd", "xz-utils", "patch", "diffutils",
)  # fmt: skip
EXTRA_DEB = 99_999  # the index of the one package added in the incremental scenarios


class Sets:
    def __init__(self, cache: Path) -> None:
        self.cache = cache

    def _subset(self, kind: str, master: list[Path], count: int) -> Path:
        """A directory holding exactly the first `count` files, hard-linked from the master set."""
        directory = self.cache / f"{kind}-{count}"
        if not (directory / ".complete").exists():
            directory.mkdir(parents=True, exist_ok=True)
            for path in master[:count]:
                target = directory / path.name
                if not target.exists():
                    os.link(path, target)
            (directory / ".complete").write_text(f"{count}\n")
        return directory

    def debs(self, count: int) -> Path:
        return self._subset("debs", gendeb.write_set(self.cache / "debs", count), count)

    def rpms(self, count: int) -> Path:
        return self._subset("rpms", genrpm.write_set(self.cache / "rpms", count), count)

    def extra_deb(self) -> Path:
        pkg = gendeb.spec(EXTRA_DEB, "extra")
        path = self.cache / "extra" / pkg.filename
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(gendeb.deb_bytes(pkg))
        return path

    def extra_rpm(self) -> Path:
        directory = self.cache / "extra-rpm"
        return genrpm.write_set(directory, 1, prefix="extrarpm")[0]

    def real_debs(self) -> Path:
        directory = self.cache / "debian-real"
        if not (directory / ".complete").exists():
            directory.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["apt-get", "download", "-o", "APT::Sandbox::User=root", *REAL_DEBS],
                cwd=directory,
                check=True,
                capture_output=True,
            )
            (directory / ".complete").write_text(f"{len(REAL_DEBS)}\n")
        return directory


def files_in(directory: Path, suffix: str) -> list[str]:
    """Names (not paths) of a set's packages, sorted: tools run inside the set's directory."""
    return sorted(name for name in os.listdir(directory) if name.endswith(suffix))
