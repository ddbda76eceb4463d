"""The fixed part of one r2repo run, beside createrepo_c's whole run: what scenarios 3 and 4
cost at 1,000 .rpms before a package is read."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from bench.measure import Run, median, run
from bench.results import Figures
from bench.sets import files_in
from bench.tools import Createrepo, Key, R2repo, createrepo_binary

# The modules a publish of .rpms loads (click, the createrepo_c bindings, r2repo's own).
PUBLISH_IMPORTS = (
    "import publisher.cli, publisher.cli.publish, publisher.ops.publish, publisher.yum.rpmpkg, "
    "publisher.yum.publish"
)
# What the other steps are measured against.
WHOLE_RUN = "createrepo_c --update with nothing new, + gpg --detach-sign"


def floor_figures(rpms: Path, key: Key, work: Path, runs: int) -> Figures:
    """Each step alone, the steps alternating run by run, medians of `runs`."""
    directory = work / "floor-createrepo"
    directory.mkdir()
    names = files_in(rpms, ".rpm")
    for name in names:
        (directory / name).hardlink_to(rpms / name)
    createrepo = Createrepo(key)
    createrepo.fresh(directory)
    python_env = R2repo.environment()
    steps = {
        "Python starts (`python -c pass`)": lambda: run([sys.executable, "-c", "pass"]),
        "Python starts and imports what a publish of .rpms loads, runs nothing": lambda: run(
            [sys.executable, "-c", PUBLISH_IMPORTS], env=python_env
        ),
        "gpg --detach-sign of repomd.xml": lambda: run(createrepo.sign_command(directory)),
        WHOLE_RUN: lambda: createrepo.update(directory),
    }
    measured: dict[str, list[Run]] = {label: [] for label in steps}
    for _ in range(runs):
        for label, step in steps.items():
            measured[label].append(step())
    shutil.rmtree(directory, ignore_errors=True)
    whole = median([r.seconds for r in measured[WHOLE_RUN]])
    count = len(names)
    figures = Figures(
        # "4b": sections are ordered by what precedes the colon.
        f"Scenario 4b: fixed cost of one run, beside createrepo_c at {count:,} .rpms",
        f"Milliseconds (median of {runs}, the steps alternating): what r2repo pays before it "
        f"reads a package, against createrepo_c's whole run over {count:,} .rpms "
        f"({createrepo_binary()}, a C program).",
        ["step", "ms", "share of createrepo_c's run"],
    )
    for label, results in measured.items():
        seconds = median([r.seconds for r in results])
        figures.rows.append([label, f"{seconds * 1000:.0f}", f"{seconds / whole:.2f}"])
    return figures
