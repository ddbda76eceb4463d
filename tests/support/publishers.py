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
