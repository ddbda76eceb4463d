"""scripts/worker-dev, the operators' local run of the deployed Worker, as README shows it: the
repository's own wrangler.toml untouched, a store filled into wrangler's local bucket, no
network at all (in a network namespace of its own when the machine allows one)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from publisher.cli import main
from tests.support.debs import build_deb
from tests.support.server import REPO_ROOT, fetch, free_port, start_server, stop_server
from tests.support.workerd import QUIET, WORKER_DEV

DEB = "pool/main/w/wd-hello/wd-hello_1.0_all.deb"


def drive(store: str, persist: str, removed: str) -> None:
    """Start worker-dev on `store`, fetch, stop; again after `removed` left the store. Prints
    what the client saw as JSON (run in the namespace, where the test cannot connect)."""
    seen = {}
    for run in ("first", "second"):
        port = free_port()
        argv = [sys.executable, str(WORKER_DEV), "--store", store, "--persist-to", persist]
        argv += ["--offline", "--", "--ip", "127.0.0.1", "--port", str(port)]
        argv += ["--inspector-port", str(free_port())]
        process = start_server(argv, port, timeout=120, env=QUIET, cwd=REPO_ROOT)
        try:
            for path in ("/dists/stable/InRelease", "/" + DEB, "/" + removed, "/"):
                status, headers, body = fetch(port, path)
                seen[f"{run} {path}"] = [status, body.decode("latin-1")]
        finally:
            stop_server(process, timeout=10)
        Path(store, removed).unlink(missing_ok=True)
    print(json.dumps(seen))


def _isolated() -> list[str]:
    """A prefix that runs a command with no network but loopback, [] when not allowed here."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return []
    probe = ["unshare", "-rn", "ip", "link", "set", "lo", "up"]
    if subprocess.run(probe, capture_output=True, check=False).returncode != 0:
        return []
    return ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]


def test_worker_dev_serves_a_store_offline(tmp_path: Path, key_dir: Path) -> None:
    store = tmp_path / "repo"
    deb = build_deb(tmp_path, "wd-hello", "1.0", "all", "gzip")
    signing = ["--signing-key", str(key_dir / "signing-key.asc")]
    args = ["publish", "--store", str(store), "--dist", "stable", *signing, str(deb)]
    assert main(args) == 0
    removed = "extra/notes.txt"
    (store / "extra").mkdir()
    (store / removed).write_text("only in the first run\n")
    code = f"from tests.runtime.test_worker_dev import drive; drive({str(store)!r}, "
    code += f"{str(tmp_path / 'persist')!r}, {removed!r})"
    done = subprocess.run(
        [*_isolated(), sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        timeout=400,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    in_release = (store / "dists/stable/InRelease").read_text()
    for run in ("first", "second"):
        assert seen[f"{run} /dists/stable/InRelease"] == [200, in_release]
        assert seen[f"{run} /{DEB}"][0] == 200
        assert seen[f"{run} /{DEB}"][1].encode("latin-1") == (store / DEB).read_bytes()
        assert seen[f"{run} /"][0] == 200
    assert seen[f"first /{removed}"] == [200, "only in the first run\n"]
    assert seen[f"second /{removed}"][0] == 404  # the bucket holds exactly the store


def test_worker_dev_refuses_a_store_that_is_not_a_directory(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    done = subprocess.run(
        [sys.executable, str(WORKER_DEV), "--store", str(missing), "--offline"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"error: --store {missing}: not a directory (a local store r2repo published)"
    ]
    assert done.stdout == ""
