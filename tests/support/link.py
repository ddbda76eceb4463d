"""moto's S3 server behind the latency/fault proxy of bench/latency.py, for tests.

`S3Link` is a MotoS3 whose `endpoint` is the proxy's: an r2repo run with `s3_env(link)` goes
through it, and `link.proxy` counts its requests and injects faults.
"""

from __future__ import annotations

from bench.latency import Faults, LatencyProxy, Record, Rule
from tests.support.s3 import MotoS3

__all__ = ["Faults", "Record", "Rule", "S3Link"]


class S3Link(MotoS3):
    def __init__(self, one_way: float = 0.0) -> None:
        super().__init__()
        self.direct = self.endpoint  # moto itself, for checks that must not be counted
        self.proxy = LatencyProxy(self.port, one_way).start()
        self.endpoint = self.proxy.url

    def stop(self) -> None:
        self.proxy.stop()
        super().stop()
