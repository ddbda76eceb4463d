"""The Worker as it is deployed, in the pinned wrangler/workerd (./node_modules), offline.

The project folder holds the repository's own wrangler.toml with only the bucket's name and
[vars] changed, `src/` itself (a link) and python_modules/ made by scripts/vendor-python; it is
started by scripts/worker-dev --offline, the command operators run, which fills the local
bucket from a store and has wrangler run workerd with the Pyodide bundle built on disk. Requests
go through `Default(WorkerEntrypoint)`, as in production.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.support.server import (
    REPO_ROOT,
    free_port,
    server_output,
    start_server,
    stop_server,
)

WRANGLER = REPO_ROOT / "node_modules" / ".bin" / "wrangler"
WORKER_DEV = REPO_ROOT / "scripts" / "worker-dev"
SHIPPED = REPO_ROOT / "wrangler.toml"
BUCKET = "r2repo-test"
QUIET = {"CLOUDFLARE_CF_FETCH_ENABLED": "false", "WRANGLER_SEND_METRICS": "false", "CI": "true"}


def shipped_config(bucket: str, variables: Mapping[str, str]) -> str:
    """The repository's wrangler.toml with the bucket's name and some [vars] replaced.

    Edited as text and read back: anything else that differed would fail here, so the tests
    cannot drift from what operators deploy.
    """
    text = SHIPPED.read_text()
    shipped = tomllib.loads(text)
    lines = []
    section = ""
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        name = stripped.split("=", 1)[0].strip()
        if section == "[[r2_buckets]]" and name == "bucket_name":
            line = f"bucket_name = {json.dumps(bucket)}"
        elif section == "[vars]" and name in variables:
            line = f"{name} = {json.dumps(variables[name])}"
        lines.append(line)
    config = "\n".join(lines) + "\n"
    got = tomllib.loads(config)
    wanted = {**shipped, "vars": {**shipped["vars"], **variables}}
    wanted["r2_buckets"] = [{**shipped["r2_buckets"][0], "bucket_name": bucket}]
    assert got == wanted, f"{sorted(set(variables) - set(shipped['vars']))} not in [vars]"
    return config


def build_project(
    folder: Path, variables: Mapping[str, str], bucket: str = BUCKET, main: str | None = None
) -> Path:
    """wrangler.toml (the shipped one, overridden), src/ and python_modules/ in `folder`.

    `main` (benchmarks only) names another entry module, in a src/ the caller put there."""
    folder.mkdir(parents=True, exist_ok=True)
    config = shipped_config(bucket, variables)
    if main is not None:
        config = config.replace('main = "src/worker.py"', f'main = "{main}"')
    (folder / "wrangler.toml").write_text(config)
    if not (folder / "src").exists():
        (folder / "src").symlink_to(REPO_ROOT / "src")
    if not (folder / "python_modules").is_dir():
        vendor = [sys.executable, str(REPO_ROOT / "scripts" / "vendor-python")]
        subprocess.run(
            [*vendor, "--out", str(folder / "python_modules")], check=True, capture_output=True
        )
    return folder


def wrangler(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(WRANGLER), *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **QUIET},
        timeout=120,
    )


@dataclass
class RunningWorker:
    url: str  # http://127.0.0.1:PORT (no trailing slash)
    folder: Path
    persist: Path
    process: subprocess.Popen[bytes]

    def _object(self, action: str, key: str, *extra: str) -> None:
        target = f"{BUCKET}/{key}"
        local = ["--local", "--persist-to", str(self.persist)]
        wrangler("r2", "object", action, target, *extra, *local, cwd=self.folder)

    def put(self, key: str, file: Path) -> None:
        """`wrangler r2 object put --local` into the running Worker's bucket."""
        self._object("put", key, "--file", str(file))

    def delete(self, key: str) -> None:
        self._object("delete", key)

    def output(self) -> str:
        return server_output(self.process)


def worker_dev_command(folder: Path, store: Path, persist: Path, port: int) -> list[str]:
    """scripts/worker-dev, offline, on the project in `folder`, listening on `port`."""
    return [
        sys.executable,
        str(WORKER_DEV),
        "--store",
        str(store),
        "--config",
        str(folder / "wrangler.toml"),
        "--persist-to",
        str(persist),
        "--offline",
        "--",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--inspector-port",
        str(free_port()),
    ]


@contextlib.contextmanager
def running_worker(
    folder: Path, persist: Path, variables: Mapping[str, str], store: Path, main: str | None = None
) -> Iterator[RunningWorker]:
    """The Worker serving a local bucket that holds exactly `store`'s files."""
    build_project(folder, variables, main=main)
    port = free_port()
    argv = worker_dev_command(folder, store, persist, port)
    process = start_server(argv, port, timeout=120, env=QUIET, cwd=folder)
    try:
        yield RunningWorker(f"http://127.0.0.1:{port}", folder, persist, process)
    finally:
        stop_server(process, timeout=10)
