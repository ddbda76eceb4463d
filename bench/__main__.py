"""`python -m bench [--quick]`: run every scenario and write docs/benchmarks.md."""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import report
from bench.edgecpu import edge_figures
from bench.endtoend import end_to_end_figures
from bench.floor import floor_figures
from bench.publishing import DebScenarios, RpmScenarios, memory_figures
from bench.remote import FULL_REMOTE, QUICK_REMOTE, remote_figures
from bench.results import Figures, Table
from bench.s3link import s3_link
from bench.serving import serving_figures
from bench.sets import Sets, files_in
from bench.tools import make_key

ROOT = Path(__file__).resolve().parents[1]
WORK_ROOM = 8 << 30  # bytes the full run's repositories and staged sets may take


def default_work_parent() -> Path | None:
    """A tmpfs when there is one with room, else the system's temporary directory.

    On a disk, creating thousands of files costs what the file system and its recent history
    make it cost (this machine's ext4: 5,000 creates in 0.17 s or in 2.2 s minutes apart, the
    inode allocator skipping recently deleted inodes, and every scenario deletes the repositories
    of the one before), which would be measured as the tools' time. The benchmark compares the
    tools; `--work DIR` measures on a disk of one's choice.
    """
    shm = Path("/dev/shm")
    try:
        room = os.statvfs(shm)
    except OSError:
        return None
    if room.f_bavail * room.f_frsize < WORK_ROOM or not os.access(shm, os.W_OK):
        return None
    return shm


def compile_sources() -> None:
    """r2repo timed as installed: pip compiles a package's modules when it installs them, while
    a checkout run with PYTHONDONTWRITEBYTECODE=1 (CI and this machine set it) compiles every
    module again on each run, 0.07 s of a small publish measured side by side."""
    for package in ("publisher", "src"):
        compileall.compile_dir(ROOT / package, quiet=1, workers=0)


@dataclass(frozen=True)
class Scale:
    name: str
    debs: tuple[int, ...]  # scenario 1 sizes; scenario 2 at each of them too
    aptly_up_to: int  # aptly takes minutes at 50,000: it runs up to this size
    rpms: tuple[int, ...]
    runs: int
    big_runs: int  # runs at sizes above aptly_up_to
    serve_seconds: int
    serve_runs: int
    e2e_packages: int
    floor_runs: int  # the fixed-cost figures: each step is a fraction of a second
    edge_requests: int = 0  # W1 requests per kind; quick: left out unless --only edge (100)


QUICK = Scale("quick", (40,), 40, (20,), 1, 1, 1, 1, 5, 3)
FULL = Scale("full", (1_000, 10_000, 50_000), 10_000, (1_000, 10_000), 3, 1, 5, 5, 20, 15, 1_000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small smoke run (about a minute)")
    parser.add_argument("--out", type=Path, help="markdown file (default docs/benchmarks.md)")
    parser.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    parser.add_argument(
        "--work",
        type=Path,
        default=default_work_parent(),
        help="where the repositories are written (default: /dev/shm when it has room)",
    )
    parser.add_argument(
        "--only",
        choices=["apt", "rpm", "serve", "e2e", "s3", "s3-deb", "s3-rpm", "edge"],
        action="append",
        help="some scenarios (s3: scenario 8, .debs and .rpms; s3-deb, s3-rpm: one of them; "
        "edge: W1-W2, the Worker in workerd)",
    )
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else FULL
    out = args.out or (ROOT / "docs" / "benchmarks.md")
    only = set(args.only or ["apt", "rpm", "serve", "e2e", "s3"] + ["edge"] * (not args.quick))
    cache = args.cache.resolve()
    compile_sources()
    key = make_key(cache / "key")
    sections: list[Table | Figures] = []
    started = time.time()
    work = Path(tempfile.mkdtemp(prefix="r2repo-bench-", dir=args.work))
    same_device = os.stat(work).st_dev == os.stat(cache).st_dev
    sets = Sets(cache, None if same_device else work / "sets")

    def say(message: str) -> None:
        print(f"[{time.time() - started:6.0f}s] {message}", file=sys.stderr, flush=True)

    work_filesystem = report.filesystem_of(work)
    try:
        debs = DebScenarios(sets, key, work)
        serve_store: Path | None = None
        if only & {"apt", "serve", "e2e"}:
            for count in scale.debs:
                tools = ["r2repo", "reprepro"] + (["aptly"] if count <= scale.aptly_up_to else [])
                runs = scale.runs if count <= scale.aptly_up_to else scale.big_runs
                say(f"scenarios 1-2: {count} debs, {', '.join(tools)}, {runs} runs")
                directory = sets.debs(count)
                want_apt = "apt" in only
                bases = debs.run(
                    "debs", directory, tools if want_apt else ["r2repo"], runs, want_apt
                )
                if serve_store is None:
                    serve_store = work / "serve-store"
                    shutil.copytree(bases["r2repo"], serve_store)
                for base in bases.values():
                    shutil.rmtree(base, ignore_errors=True)
                if not want_apt:
                    break
            if "apt" in only:
                say("scenario 1: real Debian packages")
                debs.run("Debian .debs", sets.real_debs(), ["r2repo", "reprepro", "aptly"],
                         scale.runs, False)  # fmt: skip
                debs.fresh.notes.append(
                    "The `Debian .debs` row: real packages from Debian's archive (apt-get "
                    "download); the others are generated (one small file each)."
                )
                sections += [debs.fresh, debs.incremental, memory_figures(debs)]
        if "rpm" in only:
            rpms = RpmScenarios(sets, key, work)
            for count in scale.rpms:
                say(f"scenarios 3-4: {count} rpms")
                rpms.run(sets.rpms(count), scale.runs)
            say(f"fixed cost beside createrepo_c at {scale.rpms[0]} rpms")
            floor = floor_figures(sets.rpms(scale.rpms[0]), key, work, scale.floor_runs)
            sections += [rpms.fresh, rpms.incremental, floor]
        if serve_store is not None and "serve" in only:
            say("scenario 6: serving")
            sections.append(
                serving_figures(serve_store, work, scale.serve_seconds, scale.serve_runs)
            )
        if serve_store is not None and "e2e" in only:
            say("scenario 7: apt-get end to end")
            chosen = [
                name.split("_")[0]
                for name in files_in(sets.debs(scale.debs[0]), "_amd64.deb")[: scale.e2e_packages]
            ]
            sections.append(
                end_to_end_figures(serve_store, key.secret.parent / "key.gpg", work, chosen,
                                   scale.serve_runs)
            )  # fmt: skip
        remote_kinds = {kind for kind in ("deb", "rpm") if {"s3", f"s3-{kind}"} & only}
        if remote_kinds:
            remote = QUICK_REMOTE if args.quick else FULL_REMOTE
            say(f"scenario 8: publishing to S3 over {remote.one_way * 2000:.0f} ms round trips")
            with s3_link(remote.one_way) as link:
                sections.append(remote_figures(sets, key, work, link, remote, remote_kinds))
        if "edge" in only:
            say("scenarios W1-W2: the Worker in workerd against a JavaScript floor")
            sections += edge_figures(work, scale.edge_requests or 100, 3)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rendered = report.render(sections, scale.name, work_filesystem)
    report.write(out, rendered, merge=args.only is not None)
    say(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
