"""Build small .deb files with dpkg-deb, and fetch a few of Debian's own."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
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


def ar(*members: tuple[bytes, bytes]) -> bytes:
    """An ar archive of (name, data) members, as dpkg-deb writes it."""
    out = b"!<arch>\n"
    for name, data in members:
        out += name.ljust(16) + b"0".ljust(12) + b"0".ljust(6) * 2 + b"100644".ljust(8)
        out += str(len(data)).encode().ljust(10) + b"`\n" + data + (b"\n" if len(data) % 2 else b"")
    return out


def tar_gz(*files: tuple[str, bytes | int]) -> bytes:
    """A gzipped tar of (name, contents) files; an int stands for that many zero bytes, streamed
    so that a large file costs little memory (and compresses about a thousand times)."""
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz", format=tarfile.GNU_FORMAT) as tar:
        for name, contents in files:
            info = tarfile.TarInfo(name)
            info.size = contents if isinstance(contents, int) else len(contents)
            body = _Zeros(contents) if isinstance(contents, int) else io.BytesIO(contents)
            tar.addfile(info, body)  # type: ignore[arg-type]
    return packed.getvalue()


class _Zeros:
    def __init__(self, size: int) -> None:
        self.left = size

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        return bytes(size)


def assemble_deb(path: Path, control: bytes, *more_control: tuple[str, bytes | int]) -> Path:
    """A .deb with the members dpkg-deb writes (control.tar.gz, data.tar.gz), holding control
    bytes that `dpkg-deb --build` would refuse to write; `dpkg-deb --field` still reads them."""
    control_tar = tar_gz(("./control", control), *more_control)
    data_tar = tar_gz(("./usr/share/doc/README", b"assembled by the r2repo tests\n"))
    path.write_bytes(
        ar(
            (b"debian-binary", b"2.0\n"),
            (b"control.tar.gz", control_tar),
            (b"data.tar.gz", data_tar),
        )
    )
    return path


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
    debs = sorted(target.glob("*.deb"))
    # A test looping over these must not pass by checking none of them.
    missing = [n for n in DEBIAN_PACKAGES if not any(d.name.startswith(f"{n}_") for d in debs)]
    assert not missing, f"no .deb of {missing} in {target}"
    return debs
