"""Build small .deb files with dpkg-deb, and fetch a few of Debian's own."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

CACHE = Path(__file__).resolve().parents[1] / ".cache"
# Small real packages from Debian nobody here wrote: an arch:all one, a lib* one, one with an epoch.
DEBIAN_PACKAGES = ("hello", "cowsay", "libpopt0", "bsdutils")


def build_deb(
    directory: Path,
    name: str,
    version: str,
    arch: str = "amd64",
    compression: str = "xz",
    extra: str = "",
    payload: str = "",
    filename: str | None = None,
) -> Path:
    """A minimal installable .deb with one file; `extra` adds control fields (one per line)."""
    safe = f"{name}_{version.replace(':', '%3a')}_{arch}_{compression}"
    root = directory / f"root-{safe}"
    if root.exists():
        shutil.rmtree(root)
    (root / "DEBIAN").mkdir(parents=True)
    (root / "usr" / "share" / name).mkdir(parents=True)
    (root / "usr" / "share" / name / "README").write_text(payload or f"{name} {version}\n")
    control = (
        f"Package: {name}\nVersion: {version}\nArchitecture: {arch}\n"
        "Maintainer: r2repo tests <tests@example.com>\nSection: misc\nPriority: optional\n"
        f"{extra}"
        f"Description: test package {name}\n Built by the r2repo tests.\n .\n Second paragraph.\n"
    )
    (root / "DEBIAN" / "control").write_text(control)
    output = directory / (filename or f"{safe}.deb")
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(root), str(output)],
        check=True,
        capture_output=True,
    )
    return output


def debian_debs() -> list[Path]:
    """Debian's own .debs, fetched once with `apt-get download` and cached between runs."""
    target = CACHE / "debian"
    target.mkdir(parents=True, exist_ok=True)
    for name in DEBIAN_PACKAGES:
        if not list(target.glob(f"{name}_*.deb")):
            subprocess.run(
                ["apt-get", "download", "-o", "APT::Sandbox::User=root", name],
                cwd=target,
                check=True,
                capture_output=True,
            )
    return sorted(target.glob("*.deb"))
