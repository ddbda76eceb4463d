"""The main job on the embedded default: sample packages, a local store, a key, a server."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from publisher.errors import R2repoError
from publisher.keys import DEFAULT_KEY_DIR, resolve_signing_keys
from publisher.publish import PublishOptions, publish, read_inputs
from publisher.signing import Signer
from publisher.stores import open_store

DIST = "stable"
SAMPLES = (
    ("r2repo-hello", "1.0.0-1", "amd64", "#!/bin/sh\necho 'hello from r2repo'\n"),
    ("r2repo-docs", "1:2.0-1", "all", "#!/bin/sh\necho 'r2repo docs: see README.md'\n"),
)


def build_sample(directory: Path, name: str, version: str, arch: str, script: str) -> Path:
    root = directory / f"{name}-root"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "usr" / "bin").mkdir(parents=True)
    program = root / "usr" / "bin" / name
    program.write_text(script)
    program.chmod(0o755)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: {arch}\n"
        "Maintainer: r2repo demo <r2repo@localhost>\nSection: utils\nPriority: optional\n"
        f"Description: r2repo sample package {name}\n A package built by `r2repo demo`.\n"
    )
    output = directory / f"{name}.deb"
    if shutil.which("dpkg-deb") is None:
        raise R2repoError("dpkg-deb: not found (install the dpkg package) to build the samples")
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(output)],
        check=True,
        capture_output=True,
    )
    return output


def run_demo(
    store_dir: Path, host: str, port: int, serve: bool, say: Callable[[str], None]
) -> None:
    store = open_store(str(store_dir))
    with tempfile.TemporaryDirectory(prefix="r2repo-demo-") as scratch:
        debs = [build_sample(Path(scratch), *sample) for sample in SAMPLES]
        inputs = read_inputs(debs)
        with Signer(resolve_signing_keys([], say)) as signer:
            result = publish(store, inputs, PublishOptions(dist=DIST), signer, Path(scratch))
    assert result.apt is not None
    for line in result.apt.added + result.apt.unchanged:
        say(f"published {line}")
    keyring = (DEFAULT_KEY_DIR / "key.gpg").resolve()
    url = f"http://{host}:{port}/"
    say(f"repository in {store_dir.resolve()}")
    say(f"apt line: deb [signed-by={store_dir.resolve() / 'key.gpg'}] {url} {DIST} main")
    say(f"signing key (public): {keyring if keyring.exists() else store_dir / 'key.gpg'}")
    if serve:
        from publisher import serve as server

        say(f"serving on {url} (Ctrl-C stops)")
        server.run(store, host=host, port=port)
