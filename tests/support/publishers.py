"""Run `r2repo` as a separate process (to kill it, or to race several)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.server import REPO_ROOT


def r2repo_argv(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "publisher", *map(str, args)]


def r2repo_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    path = os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "src")])
    return {**os.environ, "PYTHONPATH": path, **(extra or {})}


def publish_argv(store: Path, key_dir: Path, base_url: str, *rest: str | Path) -> list[str]:
    """`publish` into `store`, signed with the key in `key_dir`, for clients at `base_url`."""
    return [
        "publish",
        "--store",
        str(store),
        "--signing-key",
        str(key_dir / "signing-key.asc"),
        "--base-url",
        base_url,
        *map(str, rest),
    ]


def run_python(code: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh interpreter that imports this checkout (one thread: it may fork)."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=r2repo_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_r2repo(
    *args: str | Path, env: Mapping[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        r2repo_argv(*args),
        env=r2repo_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_r2repo(*args: str | Path, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        r2repo_argv(*args),
        env=r2repo_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(procs: Sequence[subprocess.Popen[str]], timeout: float = 300) -> list[tuple[int, str]]:
    return [(proc.wait(timeout), proc.communicate()[1]) for proc in procs]
