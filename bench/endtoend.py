"""Scenario 7: apt-get update + install --download-only of 20 packages, r2repo serve vs nginx."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from bench.measure import median
from bench.results import Figures
from bench.servers import nginx, r2repo_serve
from bench.tools import DIST
from tests.support.apt import AptClient


def _client_run(url: str, keyring: Path, work: Path, packages: list[str]) -> float:
    shutil.rmtree(work, ignore_errors=True)
    apt = AptClient(work)
    apt.set_sources([f"deb [signed-by={keyring}] {url}/ {DIST} main"])
    started = time.perf_counter()
    apt.run("update")
    apt.run("install", "-y", "--download-only", *packages)
    seconds = time.perf_counter() - started
    downloaded = list((work / "var/cache/apt/archives").glob("*.deb"))
    if len(downloaded) != len(packages):
        raise RuntimeError(f"apt downloaded {len(downloaded)} of {len(packages)} packages")
    return seconds


def end_to_end_figures(
    store: Path, keyring: Path, work: Path, packages: list[str], runs: int
) -> Figures:
    timings: dict[str, list[float]] = {"r2repo": [], "nginx": []}
    for _ in range(runs):
        with r2repo_serve(store) as url:
            timings["r2repo"].append(_client_run(url, keyring, work / "apt", packages))
        with nginx(store, work / "nginx") as url:
            timings["nginx"].append(_client_run(url, keyring, work / "apt", packages))
    mine, theirs = median(timings["r2repo"]), median(timings["nginx"])
    return Figures(
        "Scenario 7: apt-get end to end",
        f"Seconds (median of {runs}) for apt-get update + apt-get install --download-only of "
        f"{len(packages)} packages from the scenario-1 repository, over HTTP on 127.0.0.1.",
        ["server", "seconds", "r2repo / nginx"],
        rows=[
            ["r2repo serve", f"{mine:.2f}", f"{mine / theirs:.2f}"],
            ["nginx", f"{theirs:.2f}", "1.00"],
        ],
    )
