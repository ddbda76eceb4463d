"""The two HTTP servers over one directory: `r2repo serve` and nginx, each one process."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.support.server import free_port, wait_for_port

NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
user root;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


@contextlib.contextmanager
def _process(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    proc = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=None if env is None else {**os.environ, **env},
        start_new_session=True,
    )
    try:
        if not wait_for_port(port, timeout=20):
            proc.kill()
            raise RuntimeError(f"{command[0]} did not start: {proc.stderr.read()[-500:]!r}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def r2repo_serve(store: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "publisher", "serve", "--store", str(store)]
    root = str(Path(__file__).resolve().parents[1])
    with _process([*command, "--port", str(port)], port, {"PYTHONPATH": root}) as url:
        yield url


@contextlib.contextmanager
def nginx(root: Path, work: Path) -> Iterator[str]:
    port = free_port()
    work.mkdir(parents=True, exist_ok=True)
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, port=port, root=root))
    with _process(["nginx", "-c", str(conf), "-p", str(work)], port) as url:
        yield url
