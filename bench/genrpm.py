"""Deterministic small .rpms: one rpmbuild per batch of subpackages, not one per package.

rpmbuild spends most of its time starting up and building its dependency generators; one spec
with a few hundred `%package -n` sections writes that many binary RPMs in a single run, and a
few batches run side by side. AutoReqProv is off (the packages need nothing) and the build
time, host and payload compression are fixed, so the set is the same on every run.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BATCH = 500
BUILD_TIME = 1_700_000_000


def rpm_name(index: int, prefix: str = "benchrpm") -> tuple[str, str, str, str]:
    """(name, version, release, arch) of the index-th package of a set."""
    group, variant = divmod(index, 2)
    arch = "noarch" if group % 10 == 9 else "x86_64"
    return f"{prefix}{group:05d}", f"{1 + group % 3}.{variant}", str(1 + group % 2), arch


def rpm_filename(index: int, prefix: str = "benchrpm") -> str:
    name, version, release, arch = rpm_name(index, prefix)
    return f"{name}-{version}-{release}.{arch}.rpm"


def _spec(indexes: list[int], prefix: str) -> str:
    lines = [
        "Name: benchset",
        "Version: 1",
        "Release: 1",
        "Summary: r2repo benchmark set",
        "License: MIT",
        "AutoReqProv: no",
        "%description",
        "r2repo benchmark set.",
        "%install",
    ]
    for index in indexes:
        name, version, release, _ = rpm_name(index, prefix)
        lines.append(f"mkdir -p %{{buildroot}}/usr/share/{name}-{version}")
        lines.append(
            f"echo '{name} {version}-{release}' > %{{buildroot}}/usr/share/{name}-{version}/README"
        )
    for index in indexes:
        name, version, release, arch = rpm_name(index, prefix)
        lines += [
            f"%package -n {name}",
            f"Version: {version}",
            f"Release: {release}",
            f"Summary: benchmark package {name}",
            f"BuildArch: {arch}" if arch == "noarch" else "",
            "AutoReqProv: no",
            f"%description -n {name}",
            f"A generated package for the r2repo benchmarks: {name} {version}.",
            f"%files -n {name}",
            f"/usr/share/{name}-{version}/README",
        ]
    return "\n".join(lines) + "\n"


def _build(indexes: list[int], prefix: str, target: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-rpmbuild-") as scratch:
        top = Path(scratch)
        spec = top / "set.spec"
        spec.write_text(_spec(indexes, prefix))
        defines = {
            "_topdir": str(top),
            "_binary_payload": "w6.gzdio",
            "_build_id_links": "none",
            "__os_install_post": "%{nil}",
            "__spec_install_post": "%{nil}",
            "_buildhost": "bench.example.com",
            "use_source_date_epoch_as_buildtime": "1",
            "clamp_mtime_to_source_date_epoch": "1",
        }
        command = ["rpmbuild", "--target", "x86_64", "-bb", str(spec)]
        for name, value in defines.items():
            command[1:1] = ["--define", f"{name} {value}"]
        env = {"SOURCE_DATE_EPOCH": str(BUILD_TIME), "PATH": "/usr/bin:/bin", "HOME": scratch}
        subprocess.run(command, check=True, capture_output=True, env=env)
        for built in (top / "RPMS").rglob("*.rpm"):
            shutil.move(str(built), target / built.name)


def write_set(
    directory: Path, count: int, prefix: str = "benchrpm", workers: int = 4
) -> list[Path]:
    """`count` packages in `directory` (made once: a complete set is reused)."""
    done = directory / ".complete"
    if not done.exists() or int(done.read_text()) < count:
        directory.mkdir(parents=True, exist_ok=True)
        # A spec holds one version of each name: the two versions of a name go in two batches.
        batches = []
        for variant in (0, 1):
            indexes = list(range(variant, count, 2))
            batches += [indexes[s : s + BATCH] for s in range(0, len(indexes), BATCH)]
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda batch: _build(batch, prefix, directory), batches))
        done.write_text(f"{count}\n")
    return [directory / rpm_filename(index, prefix) for index in range(count)]
