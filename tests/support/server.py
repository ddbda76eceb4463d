"""Helpers shared by tests that start real servers: ports, waiting, subprocesses."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0, host: str = "127.0.0.1") -> bool:
    """True once something accepts connections on `port`, False after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return True
        time.sleep(0.05)
    return False


def start_server(
    argv: Sequence[str],
    port: int,
    *,
    timeout: float = 15.0,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    host: str = "127.0.0.1",
) -> subprocess.Popen[bytes]:
    """Start `argv` and wait until it listens on `port`; raise with its output if it never does.

    Its stdout and stderr go to a temporary file (never a pipe a chatty server could fill);
    `server_output` reads it. Stop it with `stop_server`.
    """
    output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop_server
    full_env = {**os.environ, "PYTHONPATH": _pythonpath(), **(env or {})}
    proc = subprocess.Popen(
        list(argv), stdout=output, stderr=subprocess.STDOUT, env=full_env, cwd=cwd
    )
    proc.output_file = output  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if wait_for_port(port, timeout=0.2, host=host):
            return proc
    text = server_output(proc)
    stop_server(proc)
    raise RuntimeError(f"server {list(argv)!r} did not listen on {port}:\n{text}")


def server_output(proc: subprocess.Popen[bytes]) -> str:
    """What the server wrote to stdout and stderr so far."""
    output = getattr(proc, "output_file", None)
    if output is None:
        return ""
    output.seek(0)
    return output.read().decode("utf-8", "replace")


def stop_server(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """Terminate, then kill if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    output = getattr(proc, "output_file", None)
    if output is not None:
        output.close()


def python_argv(code: str) -> list[str]:
    """`python -c code` with this interpreter."""
    return [sys.executable, "-c", code]


def _pythonpath() -> str:
    parts = [str(REPO_ROOT), str(REPO_ROOT / "src")]
    existing = os.environ.get("PYTHONPATH")
    return os.pathsep.join([*parts, existing] if existing else parts)


def serve_argv(store: Path | str, port: int) -> list[str]:
    """`r2repo serve --store STORE --port PORT` with this interpreter."""
    return [sys.executable, "-m", "publisher", "serve", "--store", str(store), "--port", str(port)]


@contextlib.contextmanager
def serving(store: Path | str, port: int | None = None) -> Iterator[str]:
    """`r2repo serve --store STORE` on `port` (default: a free one); yields its base URL."""
    port = port or free_port()
    proc = start_server(serve_argv(store, port), port)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop_server(proc)


def fetch(
    port: int,
    path: str,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> tuple[int, dict[str, str], bytes]:
    """One request sent exactly as given (raw path); status, lower-case headers, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, headers=dict(headers or {}))
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()
