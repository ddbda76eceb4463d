"""What a benchmark measured: per scenario, per size, each tool's runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.measure import Run, median


@dataclass
class Row:
    label: str  # e.g. "10,000 debs"
    runs: dict[str, list[Run]] = field(default_factory=dict)  # tool -> its runs

    def add(self, tool: str, result: Run) -> None:
        self.runs.setdefault(tool, []).append(result)

    def seconds(self, tool: str) -> float | None:
        runs = self.runs.get(tool)
        return median([r.seconds for r in runs]) if runs else None

    def peak_mb(self, tool: str) -> float | None:
        runs = self.runs.get(tool)
        return max(r.peak_rss for r in runs) / 1e6 if runs else None


@dataclass
class Table:
    """One scenario: rows of sizes, a column per tool, and r2repo's ratio to each other tool."""

    title: str
    about: str
    tools: list[str]
    rows: list[Row] = field(default_factory=list)
    target: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class Figures:
    """A scenario reported as plain figures (serving rates, memory, microseconds)."""

    title: str
    about: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    target: str = ""
    notes: list[str] = field(default_factory=list)
