"""Where the Python Worker's CPU goes, measured inside Pyodide in workerd.

  python -m bench.edgeprofile [--requests N] [--repeat R]

workerd's clocks stand still while a request computes (they move only on I/O), so cProfile and
perf_counter read nothing inside the Worker. Instead an entry module (written into a copy of
src/) runs one step of `worker.serve` R extra times before serving each request; the step's
cost is the workerd process's extra CPU per request divided by R. Rows with no step are the
whole request: the Worker as deployed, and a Python Worker that only returns a Response (the
price of entering Python through the SDK at all).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from bench.edgecpu import Instance, Kind, Store, build_store, floor_worker, measure
from tests.support.server import REPO_ROOT
from tests.support.workerd import running_worker

ENTRY = '''"""bench/edgeprofile.py's entry: Default, one step of serve run x-repeat more times."""

import time

from js import Promise
from js import Response as JsResponse
from workers import Response, WorkerEntrypoint

from routes import handle
from routes.access import AccessCache
from routes.conditional import NO_CONDITIONS, Conditions
from routes.handler import gate, request_key
from routes.mount import mount
from worker import (
    R2Bucket,
    _access,
    _raw,
    meta_of,
    serve,
    settings_for,
    to_js_response,
    to_request,
)


async def run_step(step, repeat, js_request, env):
    settings = settings_for(env)
    config = settings.config
    request = to_request(js_request)
    bucket = mount(R2Bucket(env.BUCKET), settings.root)
    rules = _access.setdefault(settings.root, AccessCache(settings.access_ttl))
    now = time.time()
    access = await rules.get(bucket, config.private_prefix, now)
    decision = gate(request, access, config, now)
    key = request_key(request, config)
    stored = None
    if key and not key.endswith("/"):  # "" is the landing page
        stored = await bucket.get(key, None, NO_CONDITIONS)
        if stored is not None and hasattr(stored.body, "cancel"):
            stored.body.cancel()
    listing = await bucket.list(key or "", "/", None) if key is not None else None
    memory = Memory(stored, listing)
    first = await env.BUCKET.head(key) if stored is not None else None
    response = await handle(request, bucket, config, decision)
    if hasattr(response.body, "cancel"):
        response.body.cancel()
    response.body = None
    for _ in range(repeat):
        if step == "to_request":
            to_request(js_request)
        elif step == "settings_for":
            settings_for(env)
        elif step == "access_rules":
            await rules.get(bucket, config.private_prefix, now)
        elif step == "gate":
            gate(request, access, config, now)
        elif step == "handle":
            again = await handle(request, bucket, config, decision)
            if hasattr(again.body, "cancel"):
                again.body.cancel()
        elif step == "to_js_response":
            to_js_response(response)
        elif step == "r2_get":
            got = await bucket.get(key, None, NO_CONDITIONS)
            if got is not None and hasattr(got.body, "cancel"):
                got.body.cancel()
        elif step == "js_await":
            await Promise.resolve(1)
        elif step == "r2_get_conditional":  # the request's own conditions: a 304 has no body
            got = await bucket.get(key, None, Conditions.from_headers(request.headers))
            if got is not None and hasattr(got.body, "cancel"):
                got.body.cancel()
        elif step == "r2_raw":
            raw = await env.BUCKET.get(key)
            raw.body.cancel()
        elif step == "meta_of":
            meta_of(first)
        elif step == "routes_only":
            await handle(request, memory, config, decision)


class Memory:
    """The last R2 answer replayed: routes' own work with no R2 call (pages list once)."""

    def __init__(self, stored, listing):
        self.stored, self.listing = stored, listing

    async def get(self, key, byte_range, conditions):
        return self.stored

    async def head(self, key):
        return None if self.stored is None else self.stored.meta

    async def list(self, prefix, delimiter, cursor):
        return self.listing

    async def read(self, key):
        return None


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        js_request = getattr(request, "js_object", request)
        step = js_request.headers.get("x-step")
        if step == "hello-sdk":
            return Response("ok")
        if step == "hello-js":
            return JsResponse.new("ok")
        env = _raw(self.env)
        if step:
            await run_step(str(step), int(js_request.headers.get("x-repeat")), js_request, env)
        return await serve(js_request, env, self.ctx)
'''

STEPS = (
    "to_request",
    "settings_for",
    "access_rules",
    "gate",
    "handle",
    "r2_get",
    "r2_get_conditional",
    "r2_raw",
    "js_await",
    "meta_of",
    "routes_only",
    "to_js_response",
)


def profile_project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO_ROOT / "src", folder / "src", dirs_exist_ok=True)
    (folder / "src" / "profile_entry.py").write_text(ENTRY)
    return folder


def with_headers(kind: Kind, **headers: str) -> Kind:
    extra = tuple(headers.items())
    return Kind(kind.label, kind.path, kind.status, kind.cache, kind.etag, kind.token, extra)


def profile(
    work: Path, store: Store, requests: int, repeat: int, pages: bool, steps: tuple[str, ...]
) -> list[list[str]]:
    from bench.edgecpu import KINDS

    kinds = [k for k in KINDS if not k.cache and (pages or "page" not in k.label)]
    rows: list[list[str]] = []
    project = profile_project(work / "profile")
    variables = {"EDGE_CACHE": "false"}
    floor: dict[str, float] = {}
    entry = "src/profile_entry.py"
    with running_worker(project, work / "persist", variables, store.path, entry) as worker:
        instance = Instance("profile", int(worker.url.rsplit(":", 1)[1]), worker.process.pid)
        hello = {
            name: measure(instance, with_headers(kinds[0], **{"x-step": name}), store, requests)[0]
            for name in ("hello-sdk", "hello-js")
        }
        for kind in kinds:
            whole = measure(instance, kind, store, requests)[0]
            row = [kind.label, "", f"{whole:.2f}"]
            row += [f"{hello['hello-sdk']:.2f}", f"{hello['hello-js']:.2f}"]
            for step in steps:
                stepped = with_headers(kind, **{"x-step": step, "x-repeat": str(repeat)})
                extra = measure(instance, stepped, store, requests)[0] - whole
                row.append(f"{extra / repeat:.3f}")
            rows.append(row)
    with floor_worker(work, False) as instance:  # the bucket is filled now
        for kind in kinds:
            floor[kind.label] = measure(instance, kind, store, requests)[0]
    for row, kind in zip(rows, kinds, strict=True):
        row[1] = f"{floor[kind.label]:.2f}"
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.edgeprofile", description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--pages", action="store_true", help="the listing and landing page too")
    parser.add_argument("--step", action="append", choices=STEPS, help="some steps only")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="r2repo-edgeprofile-"))
    try:
        store = build_store(work)
        steps = tuple(args.step or STEPS)
        rows = profile(work, store, args.requests, args.repeat, args.pages, steps)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    header = ["request", "floor", "Worker", "hello (SDK Response)", "hello (JS Response)"]
    header += [f"{step} (each)" for step in steps]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
