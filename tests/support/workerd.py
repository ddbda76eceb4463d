"""The Worker in a real workerd: wrangler 3.71.0 (tests/runtime/node_modules), offline.

wrangler 3.71.0 does not read python_modules/, so the Worker, `routes` and the pure-Python
packages are assembled side by side in a build folder, with a wrangler.toml of its own (an old
compatibility date: that workerd carries its Pyodide inside and calls `on_fetch`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
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

RUNTIME = REPO_ROOT / "tests" / "runtime"
WRANGLER = RUNTIME / "node_modules" / ".bin" / "wrangler"
BUCKET = "r2repo-test"
QUIET = {"CLOUDFLARE_CF_FETCH_ENABLED": "false", "WRANGLER_SEND_METRICS": "false", "CI": "true"}
PACKAGES = ("jinja2", "markupsafe")

TOML = """name = "r2repo-runtime-test"
main = "worker.py"
compatibility_date = "2024-08-01"
compatibility_flags = ["python_workers"]
find_additional_modules = true
rules = [{{ type = "Data", globs = ["**/*.html"], fallthrough = true }}]

[[r2_buckets]]
binding = "BUCKET"
bucket_name = "{bucket}"

[vars]
{vars}
"""


def build_worker(folder: Path, variables: Mapping[str, str]) -> Path:
    """worker.py, routes/ (templates included) and jinja2 + markupsafe in one folder."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO_ROOT / "src" / "worker.py", folder / "worker.py")
    shutil.copytree(
        REPO_ROOT / "src" / "routes",
        folder / "routes",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    vendored = folder.parent / (folder.name + "-python_modules")
    subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "vendor-python"),
            "--out",
            str(vendored),
            "--exclude",
            "workers-runtime-sdk",  # the 2024 runtime has its own, older `workers`
        ],
        check=True,
        capture_output=True,
    )
    for name in PACKAGES:
        shutil.copytree(vendored / name, folder / name)
    lines = "\n".join(f'{key} = "{value}"' for key, value in variables.items())
    (folder / "wrangler.toml").write_text(TOML.format(bucket=BUCKET, vars=lines))
    return folder


def fill_bucket(persist: Path, source: Path, prefix: str = "") -> None:
    """Every file under `source` into the local R2 bucket, in one Node process."""
    subprocess.run(
        ["node", str(RUNTIME / "fill-bucket.mjs"), str(persist), BUCKET, str(source), prefix],
        check=True,
        capture_output=True,
        cwd=RUNTIME,
        timeout=120,
    )


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

    def put(self, key: str, file: Path) -> None:
        """`wrangler r2 object put --local` into the running Worker's bucket."""
        wrangler(
            "r2",
            "object",
            "put",
            f"{BUCKET}/{key}",
            "--file",
            str(file),
            "--local",
            "--persist-to",
            str(self.persist),
            cwd=self.folder,
        )

    def delete(self, key: str) -> None:
        wrangler(
            "r2",
            "object",
            "delete",
            f"{BUCKET}/{key}",
            "--local",
            "--persist-to",
            str(self.persist),
            cwd=self.folder,
        )

    def output(self) -> str:
        return server_output(self.process)


@contextlib.contextmanager
def running_worker(
    folder: Path, persist: Path, variables: Mapping[str, str]
) -> Iterator[RunningWorker]:
    build_worker(folder, variables)
    port = free_port()
    argv = [
        str(WRANGLER),
        "dev",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--persist-to",
        str(persist),
        "--inspector-port",
        str(free_port()),
    ]
    process = start_server(argv, port, timeout=90, env=QUIET, cwd=folder)
    try:
        yield RunningWorker(f"http://127.0.0.1:{port}", folder, persist, process)
    finally:
        stop_server(process, timeout=10)
