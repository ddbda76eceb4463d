"""Run a command and measure it: wall time, and the peak memory of its whole process tree."""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_SECONDS = 0.02


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss: int  # bytes: the largest sum (PSS) over the process tree seen while it ran


class CommandFailed(RuntimeError):
    pass


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return found


def _rss(pid: int) -> int:
    """The process's proportional set size: pages shared with its forked workers count once
    across the tree, not once per process as the plain resident set would."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree_rss(pid: int) -> int:
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        total += _rss(current)
        pending += _children(current)
    return total


class _Sampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopped = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self.stopped.wait(SAMPLE_SECONDS)


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Run `command` to completion; raise CommandFailed with its stderr when it fails.

    Dirty pages are flushed first, untimed: otherwise the kernel's writeback of the previous
    command's files throttles this command's writes, and a tool pays for the one before it
    (the same r2repo publish took 3.2 s to 8.0 s run to run without it).
    """
    os.sync()
    started = time.perf_counter()
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env=None if env is None else {**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    sampler = _Sampler(proc.pid)
    sampler.start()
    stderr = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    sampler.stopped.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        raise CommandFailed(f"{' '.join(command[:4])} ...: exit {proc.returncode}: {tail}")
    # Not usage.ru_maxrss: it counts the forked copy of this (benchmark) process before exec.
    del usage
    return Run(seconds, sampler.peak)


def run_all(commands: list[list[str]], cwd: Path | None = None, env: dict | None = None) -> Run:  # type: ignore[type-arg]
    """Several commands one after another, as one measurement."""
    seconds, peak = 0.0, 0
    for command in commands:
        result = run(command, cwd, env)
        seconds += result.seconds
        peak = max(peak, result.peak_rss)
    return Run(seconds, peak)


def median(values: list[float]) -> float:
    return statistics.median(values)
