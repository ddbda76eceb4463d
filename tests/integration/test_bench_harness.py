"""The benchmark harness runs end to end at its smallest scale (CI times nothing)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a whole benchmark run (--quick)

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = (
    "Scenario 1: fresh publish",
    "Scenario 2: add 1 .deb",
    "Scenario 3: fresh publish of N .rpms",
    "Scenario 4: add 1 .rpm",
    "Scenario 4b: fixed cost of one run",
    "Scenario 5: peak memory",
    "Scenario 6: serving",
    "Scenario 7: apt-get end to end",
    "Scenario 8: publish to S3",
)


def test_quick_run_writes_every_scenario_with_ratios(tmp_path: Path) -> None:
    out = tmp_path / "benchmarks.md"
    out.write_text("# Benchmarks\n\nProse kept as it is.\n")
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = out.read_text()
    assert text.startswith("# Benchmarks\n\nProse kept as it is.\n")
    for title in SCENARIOS:
        assert title in text, title
    assert re.search(r"Machine: \d+ cores .* GiB memory", text)
    # Every tool measured in the same run: each publishing row has a time per tool and a ratio.
    number = r" \| [\d.]+"
    rows = re.findall(r"^\| 40 debs" + number * 5 + r" \|$", text, re.M)
    assert len(rows) == 2, text
    assert re.search(r"^\| 20 rpms \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$", text, re.M), text
    # The fixed cost: each step's median beside createrepo_c's whole run, its own share 1.00.
    assert re.search(r"^\| Python starts and imports .* \| \d+ \| [\d.]+ \|$", text, re.M), text
    assert re.search(r"^\| createrepo_c --update .* \| \d+ \| 1\.00 \|$", text, re.M), text
    assert re.search(r"routes\.handle in-process, 200 \(CPU per request\) \| [\d.]+ µs", text)
    assert re.search(r"^\| r2repo serve \| [\d.]+ \| [\d.]+ \|$", text, re.M), text
    # Publishing to S3 through the latency proxy: seconds, requests, in flight, critical path.
    remote = r" \| [\d.]+ \| [\d,]+ \| \d+ \| [\d,]+ \| [\d.]+ \|$"
    for tool in ("r2repo", "aptly", "reprepro \\+ upload", "createrepo_c \\+ upload"):
        assert re.search(r"^\| fresh, 20 \.(deb|rpm)s \| " + tool + remote, text, re.M), tool
