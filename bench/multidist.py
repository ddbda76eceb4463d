"""One .deb into seven codenames: one `publish` with seven --dist against seven publishes.

`python -m bench.multidist [--s3] [--runs 3]`: each run starts from an empty store (a local
directory, or with --s3 a fresh bucket of moto behind the 50 ms latency proxy,
bench/s3link.py) and times the r2repo processes end to end, as a CI job runs them. Prints the
median of each way and their ratio (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3

CODENAMES = ("bookworm", "trixie", "forky", "focal", "jammy", "noble", "oracular")
ROOT = Path(__file__).resolve().parents[1]


def r2repo(*args: str | Path, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "publisher", *map(str, args)],
        env=env,
        check=True,
        capture_output=True,
    )


def timed(runs: list[list[str | Path]], env: dict[str, str]) -> float:
    start = time.perf_counter()
    for args in runs:
        r2repo(*args, env=env)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--s3", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    from tests.support.debs import build_deb

    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        deb = build_deb(work, "bench-tool", "1.0", "amd64")
        r2repo("keys", "generate", "--output-dir", work / "keys", env=env)
        key = ("--signing-key", work / "keys/signing-key.asc")
        link = None
        if options.s3:
            from bench.s3link import s3_link

            link = s3_link(0.025)
            control = link.__enter__()
            env.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="auto")
            env["AWS_ENDPOINT_URL"] = control.url
        try:
            once, seven = [], []
            for _ in range(options.runs):
                stores = []
                for _way in range(2):
                    if options.s3:
                        bucket = f"multidist-{uuid.uuid4().hex[:12]}"
                        boto3.client(
                            "s3",
                            endpoint_url=env["AWS_ENDPOINT_URL"],
                            region_name="us-east-1",
                            aws_access_key_id="bench",
                            aws_secret_access_key="bench",
                        ).create_bucket(Bucket=bucket)
                        stores.append(f"s3://{bucket}")
                    else:
                        stores.append(str(work / f"store-{uuid.uuid4().hex[:12]}"))
                dists = [arg for dist in CODENAMES for arg in ("--dist", dist)]
                once.append(timed([["publish", "--store", stores[0], *key, *dists, deb]], env))
                singles = [
                    ["publish", "--store", stores[1], *key, "--dist", dist, deb]
                    for dist in CODENAMES
                ]
                seven.append(timed(singles, env))
        finally:
            if link is not None:
                link.__exit__(None, None, None)
    where = "S3 over a 50 ms round trip" if options.s3 else "local store"
    a, b = statistics.median(once), statistics.median(seven)
    print(f"{where}: one publish to 7 dists {a:.2f} s, 7 publishes {b:.2f} s, ratio {a / b:.2f}")


if __name__ == "__main__":
    main()
