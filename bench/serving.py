"""Scenario 6: serving, `r2repo serve` against nginx with wrk; routes.handle in-process."""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
import urllib.request
from pathlib import Path

from bench.results import Figures
from bench.servers import nginx, r2repo_serve
from publisher.serve.bucket import StoreBucket
from publisher.stores.local import LocalStore
from routes import Request, RouteConfig, handle

BIG_KEY = "pool/main/b/big/big_1.0_amd64.deb"
BIG_BYTES = 50 * 1024 * 1024
SMALL_KEY = "dists/bench/main/binary-amd64/Release"


def add_big_file(store: Path) -> None:
    """A 50 MB object for the streaming rate: deterministic bytes, not compressible."""
    path = store / BIG_KEY
    path.parent.mkdir(parents=True, exist_ok=True)
    block = bytes(range(256)) * 4096
    with open(path, "wb") as out:
        for number in range(BIG_BYTES // len(block)):
            out.write(bytes([number % 251]) + block[1:])


def _etag(url: str) -> str:
    with urllib.request.urlopen(url) as response:
        return response.headers["ETag"]


def _unit(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([KMGT]?B?)", value).groups()  # type: ignore[union-attr]
    scale = {"": 1, "B": 1, "KB": 1e3 / 1e6, "MB": 1, "GB": 1e3, "TB": 1e6}
    return float(number) * (scale[unit] if unit != "B" else 1e-6)


def wrk(url: str, seconds: int, connections: int, header: str | None = None) -> tuple[float, float]:
    """(requests per second, MB per second) that one wrk thread drew from `url`."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
    if header:
        command += ["-H", header]
    out = subprocess.run(command + [url], check=True, capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    transfer = re.search(r"Transfer/sec:\s+([\d.]+[KMGT]?B)", out).group(1)  # type: ignore[union-attr]
    return rate, _unit(transfer)


def _measure(base: str, seconds: int) -> dict[str, float]:
    small = f"{base}/{SMALL_KEY}"
    etag = _etag(small)
    return {
        "small": wrk(small, seconds, 16)[0],
        "304": wrk(small, seconds, 16, f"If-None-Match: {etag}")[0],
        "big": wrk(f"{base}/{BIG_KEY}", seconds, 2)[1],
    }


def handle_microseconds(store: Path, count: int) -> tuple[float, float]:
    """CPU µs per request of routes.handle over the store: a 200 and a 304 of a small index."""
    bucket = StoreBucket(LocalStore(store))
    config = RouteConfig()

    async def loop(headers: dict[str, str]) -> float:
        request = Request("GET", "/" + SMALL_KEY, "", headers)
        await handle(request, bucket, config)
        started = time.process_time()
        for _ in range(count):
            await handle(request, bucket, config)
        return (time.process_time() - started) / count * 1e6

    etag = LocalStore(store).head(SMALL_KEY).etag  # type: ignore[union-attr]
    return asyncio.run(loop({})), asyncio.run(loop({"if-none-match": etag}))


def serving_figures(store: Path, work: Path, seconds: int, runs: int) -> Figures:
    add_big_file(store)
    measured: dict[str, list[dict[str, float]]] = {"r2repo": [], "nginx": []}
    for _ in range(runs):
        with r2repo_serve(store) as url:
            measured["r2repo"].append(_measure(url, seconds))
        with nginx(store, work / "nginx") as url:
            measured["nginx"].append(_measure(url, seconds))

    def med(tool: str, what: str) -> float:
        values = sorted(m[what] for m in measured[tool])
        return values[len(values) // 2]

    figures = Figures(
        "Scenario 6: serving the same directory, r2repo serve vs nginx",
        f"wrk, one thread, {seconds} s per figure, median of {runs}, on 127.0.0.1; both servers "
        "run as one process (nginx: worker_processes 1, sendfile on; r2repo serve: granian, RSGI).",
        ["what", "r2repo serve", "nginx", "r2repo / nginx"],
        target="small file and 304 at least 1/3 of nginx's rate; 50 MB stream at least 1/2 of "
        "nginx's MB/s; routes.handle under 100 µs per request.",
    )
    for what, label, unit in (
        ("small", f"small index ({SMALL_KEY}), 16 connections", "req/s"),
        ("304", "304 revalidation (If-None-Match), 16 connections", "req/s"),
        ("big", "50 MB package, 2 connections", "MB/s"),
    ):
        mine, theirs = med("r2repo", what), med("nginx", what)
        figures.rows.append(
            [label, f"{mine:,.0f} {unit}", f"{theirs:,.0f} {unit}", f"{mine / theirs:.2f}"]
        )
    ok, not_modified = handle_microseconds(store, 2000)
    figures.rows.append(["routes.handle in-process, 200 (CPU per request)", f"{ok:.1f} µs", "", ""])
    figures.rows.append(
        ["routes.handle in-process, 304 (CPU per request)", f"{not_modified:.1f} µs", "", ""]
    )
    return figures
