"""moto's S3 server behind the latency proxy, in a process of its own, and its remote control.

`python -m bench.s3link` prints the proxy's URL and serves until its standard input closes.
The benchmark runs it apart from the process that measures, so moto's work and the proxy's
timers do not share a GIL with the tools' timing.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.latency import LatencyProxy

ROOT = Path(__file__).resolve().parents[1]


class LinkControl:
    """The proxy's control path, from another process."""

    def __init__(self, url: str) -> None:
        self.url = url

    def _call(self, what: str, body: object | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}/_link/{what}", data=data, method="POST" if body is not None else "GET"
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def stats(self) -> dict[str, Any]:
        return self._call("stats")

    def reset(self) -> None:
        self._call("reset", {})

    def delay(self, one_way: float) -> None:
        self._call("delay", {"one_way": one_way})

    def faults(self, config: dict[str, Any]) -> None:
        self._call("faults", config)


@contextlib.contextmanager
def s3_link(one_way: float = 0.025) -> Iterator[LinkControl]:
    """moto + the proxy in a child process; yields the control (its `.url` is the endpoint)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.s3link", str(one_way)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError("bench.s3link did not start")
        yield LinkControl(url)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    from tests.support.s3 import MotoS3  # moto is a test dependency; imported only here

    moto = MotoS3()
    one_way = float(sys.argv[1]) if len(sys.argv) > 1 else 0.025
    proxy = LatencyProxy(moto.port, one_way).start()
    print(proxy.url, flush=True)
    sys.stdin.read()
    proxy.stop()
    moto.stop()


if __name__ == "__main__":
    main()
