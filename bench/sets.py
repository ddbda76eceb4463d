"""The package sets, generated once into the cache and reused: sizes are prefixes of one set."""

from __future__ import annotations

import os
import shutil
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
    """The sets, read from `stage` when given: a copy (made once, untimed) on the work directory's
    file system, where the harness and r2repo's --link-inputs hard-link packages."""

    def __init__(self, cache: Path, stage: Path | None = None) -> None:
        self.cache = cache
        self.stage = stage

    def _staged(self, path: Path) -> Path:
        if self.stage is None:
            return path
        copy = self.stage / path.relative_to(self.cache)
        if not copy.exists():
            copy.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                shutil.copytree(path, copy)
            else:
                shutil.copy2(path, copy)
        return copy

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
        return self._staged(directory)

    def debs(self, count: int) -> Path:
        return self._subset("debs", gendeb.write_set(self.cache / "debs", count), count)

    def rpms(self, count: int) -> Path:
        return self._subset("rpms", genrpm.write_set(self.cache / "rpms", count), count)

    def extra_deb(self, run: int = 0) -> Path:
        """The package an incremental scenario adds; each run of it adds another one (the same
        architecture, another name)."""
        pkg = gendeb.spec(EXTRA_DEB, "extra" if run == 0 else f"extra{run}-")
        path = self.cache / "extra" / pkg.filename
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(gendeb.deb_bytes(pkg))
        return self._staged(path)

    def extra_rpm(self, run: int = 0) -> Path:
        suffix = "" if run == 0 else str(run)
        directory = self.cache / f"extra-rpm{suffix}"
        return self._staged(genrpm.write_set(directory, 1, prefix=f"extrarpm{suffix}")[0])

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
        return self._staged(directory)


def files_in(directory: Path, suffix: str) -> list[str]:
    """Names (not paths) of a set's packages, sorted: tools run inside the set's directory."""
    return sorted(name for name in os.listdir(directory) if name.endswith(suffix))
