"""Scenario 8: publishing to S3 (moto) through a link with a round trip of 50 ms.

Every tool talks to the same moto server through the same latency proxy (bench/latency.py):
r2repo publishing to its bucket; aptly publishing to an S3PublishEndpoint; the seed's chain,
reprepro on disk and then every file of the tree uploaded with boto3 one after the other (as
the cloudflared release script does); for RPM, createrepo_c and then an upload of what changed.
Each figure comes with the requests the proxy counted, the most it saw in flight at once, and
the round trips on the critical path (the longest chain of requests each waiting for the one
before it).

Bases of the larger sizes are built with the delay off (untimed); the delay is back on for the
measured step.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.measure import Run, run
from bench.results import Figures
from bench.s3link import LinkControl
from bench.sets import Sets, files_in
from bench.tools import Aptly, Createrepo, Key, R2repo, Reprepro
from tests.support.s3 import CREDENTIALS, s3_client

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Measured:
    seconds: float
    requests: int
    in_flight: int
    round_trips: int

    def cells(self) -> list[str]:
        return [
            f"{self.seconds:.2f}",
            f"{self.requests:,}",
            str(self.in_flight),
            f"{self.round_trips:,}",
        ]


@dataclass(frozen=True)
class RemoteScale:
    fresh: int  # packages of the fresh publish, and the first base of "add 1"
    bigger: int  # the second base of "add 1", built untimed
    one_way: float  # seconds each way


ADD_RUNS = 3  # an add-1 row is the median of this many runs, the tools alternating
QUICK_REMOTE = RemoteScale(20, 40, 0.005)
FULL_REMOTE = RemoteScale(1_000, 10_000, 0.025)


class RemoteScenarios:
    def __init__(self, sets: Sets, key: Key, work: Path, link: LinkControl, scale: RemoteScale):
        self.sets, self.key, self.work, self.link, self.scale = sets, key, work, link, scale
        self.env = {**CREDENTIALS, "AWS_ENDPOINT_URL": link.url}
        self.client = s3_client(link.url)
        self.r2repo = R2repo(key, self.env)
        self.createrepo = Createrepo(key)
        rtt = f"{2 * scale.one_way * 1000:.0f} ms"
        self.figures = Figures(
            f"Scenario 8: publish to S3 over a {rtt} round trip",
            f"moto's S3 server behind a proxy on 127.0.0.1 that delays every byte by "
            f"{scale.one_way * 1000:.0f} ms each way (bench/latency.py). Seconds of the whole "
            "command; requests the proxy counted; the most it saw in flight at once; round "
            "trips on the critical path (the longest chain of requests each started after the "
            f"one before was answered). An add-1 row is the median of {ADD_RUNS} runs (each "
            "adding another new package of the same architecture), r2repo and the other tool "
            "taking turns; reprepro + upload and the fresh rows: one run each.",
            [
                "publish",
                "tool",
                "seconds",
                "requests",
                "max in flight",
                "critical path",
                "r2repo / tool",
            ],  # fmt: skip
        )
        self.results: dict[tuple[str, str], Measured] = {}

    # -- plumbing ---------------------------------------------------------------------------

    def _bucket(self, name: str) -> str:
        self.client.create_bucket(Bucket=name)
        return name

    def _measured(self, step: Callable[[], Run]) -> Measured:
        self.link.reset()
        result = step()
        stats = self.link.stats()
        return Measured(
            result.seconds, stats["requests"], stats["max_in_flight"], stats["critical_path"]
        )

    def _untimed(self, step: Callable[[], object]) -> None:
        self.link.delay(0)
        try:
            step()
        finally:
            self.link.delay(self.scale.one_way)

    def _record(self, label: str, tool: str, measured: Measured) -> None:
        self.results[(label, tool)] = measured

    def _adds(
        self, label: str, tools: dict[str, Callable[[Path], Run]], extras: list[Path]
    ) -> None:
        """Each tool adds each of `extras` in turn, the tools alternating run by run (a load
        that comes and goes falls on both); the median run of each is recorded."""
        runs: dict[str, list[Measured]] = {tool: [] for tool in tools}
        for extra in extras:
            for tool, add in tools.items():
                runs[tool].append(self._measured(lambda add=add, extra=extra: add(extra)))
        for tool, measured in runs.items():
            self._record(label, tool, sorted(measured, key=lambda m: m.seconds)[len(measured) // 2])

    def _aptly(self, bucket: str) -> Aptly:
        return Aptly(
            self.key,
            s3={
                "region": "us-east-1",
                "bucket": bucket,
                "endpoint": self.link.url,
                "awsAccessKeyID": CREDENTIALS["AWS_ACCESS_KEY_ID"],
                "awsSecretAccessKey": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            },
        )

    def _upload(self, tree: Path, bucket: str, manifest: Path | None = None) -> Run:
        command = [sys.executable, "-m", "bench.upload", str(tree), bucket]
        if manifest is not None:
            command += ["--manifest", str(manifest)]
        return run(command, env={**self.env, "PYTHONPATH": str(ROOT)})

    def _seed_publish(self, base: Path, bucket: str, files: list[Path]) -> Run:
        """reprepro, then the whole tree uploaded (the seed's release script)."""
        reprepro = Reprepro(self.key)
        built = reprepro.include(base, files)
        uploaded = self._upload(base, bucket)
        return Run(built.seconds + uploaded.seconds, max(built.peak_rss, uploaded.peak_rss))

    # -- .deb -------------------------------------------------------------------------------

    def debs(self) -> None:
        scale = self.scale
        directory = self.sets.debs(scale.fresh)
        files = [directory / name for name in files_in(directory, ".deb")]
        extras = [self.sets.extra_deb(run) for run in range(ADD_RUNS)]
        fresh, small = f"fresh, {scale.fresh:,} .debs", f"add 1 .deb to {scale.fresh:,}"
        big = f"add 1 .deb to {scale.bigger:,}"
        r2 = self._bucket("r2repo-debs")
        self._record(fresh, "r2repo", self._measured(
            lambda: self.r2repo.publish_debs(f"s3://{r2}", files, self.work)))  # fmt: skip
        aptly_base = self.work / "aptly-s3"
        aptly = self._aptly(self._bucket("aptly-debs"))
        self._record(fresh, "aptly", self._measured(lambda: aptly.fresh(aptly_base, directory)))
        self._adds(small, {
            "r2repo": lambda extra: self.r2repo.publish_debs(f"s3://{r2}", [extra], self.work),
            "aptly": lambda extra: aptly.add(aptly_base, extra),
        }, extras)  # fmt: skip
        shutil.rmtree(aptly_base, ignore_errors=True)
        seed_base = self.work / "reprepro-s3"
        seed = self._bucket("seed-debs")
        self._record(fresh, "reprepro + upload", self._measured(
            lambda: self._seed_publish(seed_base, seed, files)))  # fmt: skip
        self._record(small, "reprepro + upload", self._measured(
            lambda: self._seed_publish(seed_base, seed, extras[:1])))  # fmt: skip
        shutil.rmtree(seed_base, ignore_errors=True)
        # The bigger base, untimed.
        directory = self.sets.debs(scale.bigger)
        files = [directory / name for name in files_in(directory, ".deb")]
        r2 = self._bucket("r2repo-debs-big")
        self._untimed(lambda: self.r2repo.publish_debs(f"s3://{r2}", files, self.work))
        aptly = self._aptly(self._bucket("aptly-debs-big"))
        self._untimed(lambda: aptly.fresh(aptly_base, directory))
        self._adds(big, {
            "r2repo": lambda extra: self.r2repo.publish_debs(f"s3://{r2}", [extra], self.work),
            "aptly": lambda extra: aptly.add(aptly_base, extra),
        }, extras)  # fmt: skip
        shutil.rmtree(aptly_base, ignore_errors=True)

    # -- .rpm -------------------------------------------------------------------------------

    def _createrepo_publish(self, tree: Path, bucket: str, rpms: list[Path], fresh: bool) -> Run:
        """createrepo_c (+ --update) and the signature, then an upload of what changed."""
        tree.mkdir(parents=True, exist_ok=True)
        for rpm in rpms:
            (tree / rpm.name).hardlink_to(rpm)
        built = self.createrepo.fresh(tree) if fresh else self.createrepo.update(tree)
        uploaded = self._upload(tree, bucket, tree.parent / f"{tree.name}.manifest")
        return Run(built.seconds + uploaded.seconds, max(built.peak_rss, uploaded.peak_rss))

    def rpms(self) -> None:
        scale = self.scale
        directory = self.sets.rpms(scale.fresh)
        files = [directory / name for name in files_in(directory, ".rpm")]
        extras = [self.sets.extra_rpm(run) for run in range(ADD_RUNS)]
        fresh, small = f"fresh, {scale.fresh:,} .rpms", f"add 1 .rpm to {scale.fresh:,}"
        big = f"add 1 .rpm to {scale.bigger:,}"
        r2 = self._bucket("r2repo-rpms")
        self._record(fresh, "r2repo", self._measured(
            lambda: self.r2repo.publish(f"s3://{r2}", files, self.work)))  # fmt: skip
        tree = self.work / "createrepo-s3" / "tree"
        bucket = self._bucket("createrepo-rpms")
        tool = "createrepo_c + upload"
        self._record(fresh, tool, self._measured(
            lambda: self._createrepo_publish(tree, bucket, files, True)))  # fmt: skip
        self._adds(small, {
            "r2repo": lambda extra: self.r2repo.publish(f"s3://{r2}", [extra], self.work),
            tool: lambda extra: self._createrepo_publish(tree, bucket, [extra], False),
        }, extras)  # fmt: skip
        shutil.rmtree(tree.parent, ignore_errors=True)
        directory = self.sets.rpms(scale.bigger)
        files = [directory / name for name in files_in(directory, ".rpm")]
        r2 = self._bucket("r2repo-rpms-big")
        self._untimed(lambda: self.r2repo.publish(f"s3://{r2}", files, self.work))
        big_bucket = self._bucket("createrepo-rpms-big")
        self._untimed(lambda: self._createrepo_publish(tree, big_bucket, files, True))
        self._adds(big, {
            "r2repo": lambda extra: self.r2repo.publish(f"s3://{r2}", [extra], self.work),
            tool: lambda extra: self._createrepo_publish(tree, big_bucket, [extra], False),
        }, extras)  # fmt: skip
        shutil.rmtree(tree.parent, ignore_errors=True)

    # -- report -----------------------------------------------------------------------------

    def table(self) -> Figures:
        labels = list(dict.fromkeys(label for label, _ in self.results))
        for label in labels:
            mine = self.results.get((label, "r2repo"))
            for (row, tool), measured in self.results.items():
                if row != label:
                    continue
                ratio = "1.00" if tool == "r2repo" or mine is None else (
                    f"{mine.seconds / measured.seconds:.2f}"
                )  # fmt: skip
                self.figures.rows.append([label, tool, *measured.cells(), ratio])
        self.figures.notes.append(self.targets())
        return self.figures

    def targets(self) -> str:
        scale, got = self.scale, self.results

        def seconds(label: str, tool: str) -> float | None:
            found = got.get((label, tool))
            return None if found is None else found.seconds

        def ratio(label: str, tool: str, limit: float) -> str:
            mine, theirs = seconds(label, "r2repo"), seconds(label, tool)
            if mine is None or theirs is None:
                return f"{label}: not measured"
            verdict = "met" if mine <= limit * theirs else "NOT met"
            return f"{label}: {mine / theirs:.2f}x {tool} (target {limit}x): {verdict}"

        def wall(label: str, limit: float) -> str:
            mine = seconds(label, "r2repo")
            if mine is None:
                return f"{label}: not measured"
            verdict = "met" if mine <= limit else "NOT met"
            return f"{label}: {mine:.2f} s (target {limit} s): {verdict}"

        lines = [
            ratio(f"fresh, {scale.fresh:,} .debs", "aptly", 0.2),
            ratio(f"fresh, {scale.fresh:,} .rpms", "createrepo_c + upload", 0.3),
            wall(f"add 1 .deb to {scale.bigger:,}", 1.5),
            wall(f"add 1 .rpm to {scale.bigger:,}", 1.5),
            ratio(f"add 1 .deb to {scale.fresh:,}", "aptly", 0.3),
        ]
        return "\n\nTargets:\n\n" + "\n".join(f"- {line}" for line in lines)


def remote_figures(
    sets: Sets, key: Key, work: Path, link: LinkControl, scale: RemoteScale, kinds: set[str]
) -> Figures:
    scenarios = RemoteScenarios(sets, key, work, link, scale)
    if "deb" in kinds:
        scenarios.debs()
    if "rpm" in kinds:
        scenarios.rpms()
    return scenarios.table()
