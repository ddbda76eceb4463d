"""The main job on the embedded default: sample packages, a local store, a key, a server."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from publisher.build import build_packages
from publisher.build.spec import make_spec
from publisher.ops.publish import PublishOptions, publish, read_inputs
from publisher.signing.gnupg import Signer
from publisher.signing.keyfiles import resolve_signing_keys
from publisher.stores import Store, open_store
from publisher.yum.repofile import DEFAULT_REPO_ID, DEFAULT_ROOT
from routes.snippets import apt_line, yum_repo_download

DIST = "stable"
# The samples are built as of this time, so a second demo builds the same bytes and publishes
# nothing new (other bytes under the same version would be a conflict).
SAMPLES_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z
# (name, version, architecture, what the installed program prints)
SAMPLES = (
    ("r2repo-hello", "1.0.0", "amd64", "hello from r2repo"),
    ("r2repo-docs", "2.0", "all", "r2repo docs: see README.md"),
)


def build_samples(directory: Path) -> list[Path]:
    """A .deb and an .rpm of each sample, written by r2repo's own package builder."""
    built: list[Path] = []
    for name, version, arch, message in SAMPLES:
        program = directory / name
        program.write_text(f"#!/bin/sh\necho '{message}'\n")
        program.chmod(0o755)
        spec = make_spec(
            name=name,
            version=version,
            arch=arch,
            maintainer="r2repo demo <r2repo@localhost>",
            description=f"r2repo sample package {name}",
            files=[f"{program}=/usr/bin/{name}"],
            license="Apache-2.0",
        )
        built += build_packages(spec, ["deb", "rpm"], directory / "dist", SAMPLES_EPOCH)
    return built


def run_demo(
    store_dir: Path,
    host: str,
    port: int,
    serve: Callable[[Store, str, int, Callable[[], None]], None] | None,
    say: Callable[[str], None],
) -> None:
    """Publish the samples into `store_dir`, then hand the store to `serve` (host, port, and
    what to print once it listens), if given."""
    store = open_store(str(store_dir))
    url = f"http://{host}:{port}"
    with tempfile.TemporaryDirectory(prefix="r2repo-demo-") as scratch:
        inputs = read_inputs(build_samples(Path(scratch)))
        options = PublishOptions(dists=[DIST], base_url=url)
        with Signer(resolve_signing_keys([], say)) as signer:
            result = publish(store, inputs, options, signer, Path(scratch))
    for outcome in (result.dists.get(DIST), result.rpm):
        for line in outcome.added + outcome.unchanged if outcome else []:
            say(f"published {line}")
    root = store_dir.resolve()
    say(f"repository in {root}")
    say(f"apt:  {apt_line(f'{url}/', DIST, ['main'], str(root / 'key.gpg'))}")
    say(f"dnf:  {yum_repo_download(url, DEFAULT_ROOT, DEFAULT_REPO_ID)}")
    say(f"public key: {root / 'key.asc'} (also served at {url}/key.asc)")
    if serve is not None:
        serve(store, host, port, lambda: say(f"serving on {url}/ (Ctrl-C stops)"))
