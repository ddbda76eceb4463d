"""Build small .rpm files with rpmbuild, and convert a few of Debian's .debs with alien."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support.debs import CACHE, debian_debs


def build_rpm(
    directory: Path,
    name: str,
    version: str,
    release: str = "1",
    arch: str = "noarch",
    epoch: int | None = None,
    requires: tuple[str, ...] = (),
    provides: tuple[str, ...] = (),
    changelog: bool = True,
    payload: str = "",
) -> Path:
    """A minimal installable RPM with one file under /usr/share/NAME."""
    top = directory / f"rpmbuild-{name}-{version}-{release}-{arch}"
    if top.exists():
        shutil.rmtree(top)
    for sub in ("SPECS", "RPMS", "BUILD", "BUILDROOT", "SOURCES"):
        (top / sub).mkdir(parents=True)
    lines = [
        f"Name: {name}",
        f"Version: {version}",
        f"Release: {release}",
        *([f"Epoch: {epoch}"] if epoch is not None else []),
        "Summary: r2repo test package",
        "License: MIT",
        *([f"BuildArch: {arch}"] if arch == "noarch" else []),
        *(f"Requires: {r}" for r in requires),
        *(f"Provides: {p}" for p in provides),
        "AutoReqProv: no",
        "",
        "%description",
        f"Test package {name} built by the r2repo test suite.",
        "",
        "%install",
        f"mkdir -p %{{buildroot}}/usr/share/{name}",
        f"printf '%s\\n' '{payload or name + ' ' + version}' "
        f"> %{{buildroot}}/usr/share/{name}/README",
        "",
        "%files",
        f"/usr/share/{name}/README",
    ]
    if changelog:
        lines += [
            "",
            "%changelog",
            "* Mon Jan 01 2024 Tester <tests@example.com> - 1.0-1",
            "- First release",
        ]
    spec = top / "SPECS" / f"{name}.spec"
    spec.write_text("\n".join(lines) + "\n")
    done = subprocess.run(
        [
            "rpmbuild",
            "--define",
            f"_topdir {top}",
            "--define",
            "_build_id_links none",
            "--target",
            arch,
            "-bb",
            str(spec),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"rpmbuild failed:\n{done.stderr}")
    (built,) = (top / "RPMS").rglob("*.rpm")
    output = directory / built.name
    shutil.move(built, output)
    shutil.rmtree(top)
    return output


def alien_rpms() -> list[Path]:
    """Debian's own packages converted with `alien --to-rpm`: RPMs nobody here wrote."""
    target = CACHE / "alien"
    target.mkdir(parents=True, exist_ok=True)
    for deb in debian_debs():
        if deb.name.startswith(("hello_", "cowsay_")):
            stem = deb.name.split("_")[0]
            if not list(target.glob(f"{stem}-*.rpm")):
                subprocess.run(
                    ["alien", "--to-rpm", "--keep-version", str(deb)],
                    cwd=target,
                    check=True,
                    capture_output=True,
                )
    rpms = sorted(target.glob("*.rpm"))
    stems = {"hello", "cowsay"}
    assert stems <= {p.name.split("-")[0] for p in rpms}, f"alien made no {stems} in {target}"
    return rpms
