"""Scenarios W1 and W2: what the Worker costs workerd, per request and at start.

  python -m bench.edgecpu [--requests N]   # print both tables
  python -m bench --only edge              # write them into docs/benchmarks.md

The Worker runs as deployed (scripts/worker-dev --offline: the shipped wrangler.toml, src/,
python_modules/, the pinned workerd); the floor is bench/edgefloor.js in the same workerd over
the same local bucket: R2 streaming its objects with the request's conditions and range, one
list for a folder. CPU is workerd's own (utime + stime from /proc/PID/stat, every thread, the
local R2 simulation included) over N requests of one kind, after 100 of the same kind untimed;
two keep-alive connections send them.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.results import Figures
from bench.tools import make_key
from publisher.cli import main as r2repo
from publisher.ops.access import create_token
from publisher.stores.local import LocalStore
from tests.support.debs import build_deb
from tests.support.server import free_port, start_server, stop_server
from tests.support.workerd import BUCKET, QUIET, WRANGLER, build_project, running_worker

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
WARM_UP = 100
CONNECTIONS = 2
DEB = "pool/main/e/edge-tool/edge-tool_1.0_amd64.deb"
PRIVATE = "private/pool/main/e/edge-secret/edge-secret_1.0_amd64.deb"
FLOOR_TOML = """name = "r2repo-floor"
main = "edgefloor.js"
compatibility_date = "2026-04-26"

[[r2_buckets]]
binding = "BUCKET"
bucket_name = "{bucket}"

[vars]
EDGE_CACHE = "{cache}"
"""
HELLO_PY = """from workers import Response, WorkerEntrypoint


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response("ok")
"""


@dataclass(frozen=True)
class Kind:
    label: str
    path: str
    status: int
    cache: bool = False  # measured with the edge cache on (the object is in it)
    etag: bool = False  # sent with If-None-Match: the object's ETag
    token: bool = False  # sent with the private repository's token
    extra: tuple[tuple[str, str], ...] = ()  # more request headers (bench/edgeprofile.py)


KINDS = (
    Kind("cache hit (InRelease)", "/dists/stable/InRelease", 200, cache=True),
    Kind("small index, miss (Packages.xz)", "/dists/stable/main/binary-amd64/Packages.xz", 200),
    Kind("pool file (.deb, 64 KiB)", "/" + DEB, 200),
    Kind("304 (InRelease, If-None-Match)", "/dists/stable/InRelease", 304, etag=True),
    Kind("listing page (pool/main/e/)", "/pool/main/e/", 200),
    Kind("landing page (/)", "/", 200),
    Kind("private file with a token", "/" + PRIVATE, 200, token=True),
)


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15)


def started_at(pid: int) -> float:
    """The process's start, in seconds since boot (/proc/PID/stat field 22)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return int(fields[19]) / TICK


def since_boot() -> float:
    with open("/proc/uptime") as handle:
        return float(handle.read().split()[0])


def workerds(root: int) -> list[int]:
    """The workerd processes under `root`, oldest first. wrangler dev runs two: its proxy
    (which listens on the port) and, started once the Worker is bundled, the Worker's own."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        text = ""
        with contextlib.suppress(OSError), open(f"/proc/{entry}/stat") as handle:
            text = handle.read()
        if text:
            names[int(entry)] = text[text.index("(") + 1 : text.rindex(")")]
            children.setdefault(int(text.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, stack = [], list(children.get(root, []))
    while stack:
        pid = stack.pop()
        if names.get(pid) == "workerd":
            found.append(pid)
        stack.extend(children.get(pid, []))
    return sorted(found, key=lambda pid: (_started_or_zero(pid), pid))


def _started_or_zero(pid: int) -> float:
    with contextlib.suppress(OSError):
        return started_at(pid)
    return 0.0


def worker_workerd(root: int, timeout: float = 120) -> int:
    """The workerd that runs the Worker: the second one wrangler starts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = workerds(root)
        if len(found) >= 2:
            return found[-1]
        time.sleep(0.005)
    raise RuntimeError(f"no second workerd under process {root}")


@dataclass
class Store:
    path: Path
    token: str


def build_store(work: Path) -> Store:
    key = make_key(ROOT / "bench" / ".cache" / "key")
    store = work / "store"
    signing = ["--signing-key", str(key.secret)]
    debs = [build_deb(work, "edge-tool", "1.0", "amd64", "xz", payload="x" * 65536)]
    debs += [build_deb(work, f"edge-lib{i}", "1.0", "all", "gzip") for i in range(20)]
    assert (
        r2repo(["publish", "--store", str(store), "--dist", "stable", *signing, *map(str, debs)])
        == 0
    )
    secret = build_deb(work, "edge-secret", "1.0", "amd64", "xz", payload="s" * 4096)
    private = ["publish", "--store", str(store / "private"), "--dist", "internal", *signing]
    assert r2repo([*private, str(secret)]) == 0
    assert r2repo(["access", "set", "--store", str(store), "--private", "private"]) == 0
    token = create_token(LocalStore(store), "bench", ["private"], None, time.time())[0]
    return Store(store, token)


@dataclass
class Instance:
    name: str
    port: int
    wrangler: int  # the process whose workerds are measured


@contextlib.contextmanager
def python_worker(work: Path, store: Store, cache: bool) -> Iterator[Instance]:
    variables = {"EDGE_CACHE": "true" if cache else "false"}
    with running_worker(work / "python", work / "persist", variables, store.path) as worker:
        yield Instance("Python Worker", int(worker.url.rsplit(":", 1)[1]), worker.process.pid)


def _project(folder: Path, toml: str, main: tuple[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wrangler.toml").write_text(toml)
    (folder / main[0]).write_text(main[1])
    return folder


@contextlib.contextmanager
def wrangler_dev(folder: Path, persist: Path) -> Iterator[tuple[int, int]]:
    """`wrangler dev` of the project in `folder` in the pinned workerd, offline."""
    bundle = ROOT / ".cache" / "pyodide-bundle" / "workerd"
    port = free_port()
    argv = [str(WRANGLER), "dev", "--config", str(folder / "wrangler.toml")]
    argv += ["--persist-to", str(persist), "--ip", "127.0.0.1", "--port", str(port)]
    argv += ["--inspector-port", str(free_port())]
    env = {**QUIET, "MINIFLARE_WORKERD_PATH": str(bundle)}
    process = start_server(argv, port, timeout=120, env=env, cwd=folder)
    try:
        yield port, process.pid
    finally:
        stop_server(process, timeout=10)


@contextlib.contextmanager
def python_floor_worker(work: Path, store: Store, cache: bool) -> Iterator[Instance]:
    """bench/edgefloor.py under the shipped wrangler.toml (its flags, date and SDK)."""
    folder = work / "python-floor"
    (folder / "src").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "bench" / "edgefloor.py", folder / "src" / "edgefloor.py")
    variables = {"EDGE_CACHE": "true" if cache else "false"}
    persist = work / "persist"
    with running_worker(folder, persist, variables, store.path, "src/edgefloor.py") as worker:
        yield Instance("Python floor", int(worker.url.rsplit(":", 1)[1]), worker.process.pid)


@contextlib.contextmanager
def floor_worker(work: Path, cache: bool) -> Iterator[Instance]:
    toml = FLOOR_TOML.format(bucket=BUCKET, cache="true" if cache else "false")
    source = (ROOT / "bench" / "edgefloor.js").read_text()
    folder = _project(work / "floor", toml, ("edgefloor.js", source))
    with wrangler_dev(folder, work / "persist") as (port, pid):
        yield Instance("JavaScript floor", port, pid)


def _headers(kind: Kind, store: Store, etag: str | None) -> dict[str, str]:
    headers = dict(kind.extra)
    if kind.etag and etag is not None:
        headers["If-None-Match"] = etag
    if kind.token:
        headers["Authorization"] = (
            "Basic " + base64.b64encode(f"ci:{store.token}".encode()).decode()
        )
    return headers


def _send(port: int, kind: Kind, headers: dict[str, str], count: int, errors: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for _ in range(count):
            conn.request("GET", kind.path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != kind.status:
                errors.append(f"{kind.path}: {response.status}")
                return
    finally:
        conn.close()


def _run(port: int, kind: Kind, headers: dict[str, str], count: int) -> None:
    errors: list[str] = []
    share = [count // CONNECTIONS + (i < count % CONNECTIONS) for i in range(CONNECTIONS)]
    threads = [threading.Thread(target=_send, args=(port, kind, headers, n, errors)) for n in share]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{kind.label}: {errors[0]}")


def measure(instance: Instance, kind: Kind, store: Store, requests: int) -> tuple[float, float]:
    """CPU milliseconds per request of `kind`: the Worker's workerd, wrangler's proxy."""
    etag = None
    if kind.etag:
        conn = http.client.HTTPConnection("127.0.0.1", instance.port, timeout=60)
        conn.request("GET", kind.path)
        response = conn.getresponse()
        response.read()
        etag = response.getheader("etag")
        conn.close()
    headers = _headers(kind, store, etag)
    _run(instance.port, kind, headers, WARM_UP)
    time.sleep(0.3)  # the warm-up's cache puts (ctx.waitUntil) are done
    proxy, worker = workerds(instance.wrangler)[0], worker_workerd(instance.wrangler)
    before = cpu_seconds(worker), cpu_seconds(proxy)
    _run(instance.port, kind, headers, requests)
    time.sleep(0.3)
    after = cpu_seconds(worker), cpu_seconds(proxy)
    return tuple((a - b) * 1000 / requests for a, b in zip(after, before, strict=True))


def cpu_figures(work: Path, store: Store, requests: int) -> Figures:
    results: dict[tuple[str, str], tuple[float, float]] = {}
    for cache in (True, False):
        kinds = [k for k in KINDS if k.cache == cache]
        starts = (
            python_worker(work, store, cache),
            python_floor_worker(work, store, cache),
            floor_worker(work, cache),
        )
        for start in starts:
            with start as instance:  # type: ignore[attr-defined]
                for kind in kinds:
                    results[(kind.label, instance.name)] = measure(instance, kind, store, requests)
    figures = Figures(
        "Scenario W1: workerd CPU per request, the Python Worker against a JavaScript floor",
        f"CPU milliseconds per request of the workerd process that runs the Worker (utime + "
        f"stime over {requests:,} requests of each kind, after {WARM_UP} untimed). The "
        "JavaScript floor (`bench/edgefloor.js`) streams the same R2 objects with the request's "
        "conditions and range in the same workerd: what the runtime and the local R2 simulation "
        "cost whatever the Worker does. The Python floor (`bench/edgefloor.py`) does the same "
        "from Python under the shipped wrangler.toml, with as few crossings between Python and "
        "JavaScript as that work allows: what a Python Worker pays before any work of its own. "
        "Cache hit: "
        'edge cache on and holding the object; the other rows: `EDGE_CACHE = "false"`, the '
        "Worker and R2 only.",
        [
            "request",
            "r2repo Worker ms",
            "Python floor ms",
            "JavaScript floor ms",
            "r2repo over JS floor ms",
            "target",
            "Python floor over JS floor ms",
            "r2repo over Python floor ms",
        ],
    )
    for kind in KINDS:
        python = results[(kind.label, "Python Worker")][0]
        python_floor = results[(kind.label, "Python floor")][0]
        floor = results[(kind.label, "JavaScript floor")][0]
        target = "+2.0" if "page" in kind.label else "+0.5"
        cells = [kind.label, f"{python:.2f}", f"{python_floor:.2f}", f"{floor:.2f}"]
        cells += [f"{python - floor:+.2f}", target]
        cells += [f"{python_floor - floor:+.2f}", f"{python - python_floor:+.2f}"]
        figures.rows.append(cells)
    proxy = sorted(cost[1] for cost in results.values())
    figures.notes.append(
        f"Not counted above: wrangler dev's proxy, a second workerd in front of the Worker's "
        f"(not there in production), {proxy[0]:.2f}-{proxy[-1]:.2f} ms per request."
    )
    return figures


def _first_answer(port: int, path: str, timeout: float = 180) -> float:
    """The moment (seconds since boot) the first 200 for `path` arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                return since_boot()
        time.sleep(0.01)
    raise RuntimeError(f"no 200 for {path} within {timeout} s")


def cold_start(folder: Path, persist: Path, path: str) -> tuple[float, float]:
    """wrangler dev of `folder`: seconds from the Worker's workerd start to the first 200 for
    `path`, and that workerd's CPU seconds by then."""
    bundle = ROOT / ".cache" / "pyodide-bundle" / "workerd"
    port = free_port()
    argv = [str(WRANGLER), "dev", "--config", str(folder / "wrangler.toml")]
    argv += ["--persist-to", str(persist), "--ip", "127.0.0.1", "--port", str(port)]
    argv += ["--inspector-port", str(free_port())]
    env = {**os.environ, **QUIET, "MINIFLARE_WORKERD_PATH": str(bundle)}
    answered: list[float] = []
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(argv, cwd=folder, env=env, stdout=output, stderr=output)
        try:
            asking = threading.Thread(target=lambda: answered.append(_first_answer(port, path)))
            asking.start()
            pid = worker_workerd(process.pid)
            asking.join()
            if not answered:
                raise RuntimeError(f"{folder}: no answer")
            return answered[0] - started_at(pid), cpu_seconds(pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def cold_figures(work: Path, runs: int) -> Figures:
    persist = work / "persist"
    worker = build_project(work / "python", {})
    hello_toml = (
        (worker / "wrangler.toml")
        .read_text()
        .replace('main = "src/worker.py"', 'main = "hello.py"')
    )
    hello = _project(work / "hello", hello_toml, ("hello.py", HELLO_PY))
    if not (hello / "python_modules").exists():
        (hello / "python_modules").symlink_to(worker / "python_modules")
    floor = _project(work / "floor", FLOOR_TOML.format(bucket=BUCKET, cache="true"),
                     ("edgefloor.js", (ROOT / "bench" / "edgefloor.js").read_text()))  # fmt: skip
    cases = [
        ("r2repo's Worker (`src/worker.py`), first answer: /key.asc", worker, "/key.asc"),
        ("a Python Worker importing only the SDK (`Response('ok')`)", hello, "/"),
        ("the JavaScript floor, first answer: /key.asc", floor, "/key.asc"),
    ]
    figures = Figures(
        "Scenario W2: cold start of the Worker in workerd",
        f"From the workerd process's start to the first 200 (median of {runs} starts, "
        "wrangler's own start before it not counted), and workerd's CPU by then. The "
        "difference between the first two rows is what r2repo's Worker does at module level "
        "(its imports) and in its first request; Pyodide's own start is in both.",
        ["worker", "first answer s", "workerd CPU by then s"],
    )
    for label, folder, path in cases:
        times, cpus = [], []
        for _ in range(runs):
            seconds, cpu = cold_start(folder, persist, path)
            times.append(seconds)
            cpus.append(cpu)
        times.sort()
        cpus.sort()
        figures.rows.append([label, f"{times[runs // 2]:.2f}", f"{cpus[runs // 2]:.2f}"])
    return figures


def edge_figures(work: Path, requests: int, cold_runs: int) -> list[Figures]:
    store = build_store(work)
    return [cpu_figures(work, store, requests), cold_figures(work, cold_runs)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.edgecpu", description=__doc__)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--cold-runs", type=int, default=3)
    args = parser.parse_args(argv)
    from bench.report import figures_markdown

    work = Path(tempfile.mkdtemp(prefix="r2repo-edge-"))
    try:
        for figures in edge_figures(work, args.requests, args.cold_runs):
            print(figures_markdown(figures) + "\n", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
