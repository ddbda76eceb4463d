"""docs/benchmarks.md: the measured tables between two markers; the prose around them is kept."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from bench.results import Figures, Table

BEGIN = "<!-- bench:begin (written by python -m bench; edit outside these markers) -->"
END = "<!-- bench:end -->"


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    text = (done.stdout or done.stderr).strip().splitlines()
    return text[0] if text else "?"


def filesystem_of(path: Path) -> str:
    """The type of the file system holding `path` (the longest mount point above it)."""
    best, kind = "", "?"
    with open("/proc/mounts") as handle:
        for line in handle:
            fields = line.split()
            mount = fields[1]
            above = str(path).startswith(mount.rstrip("/") + "/") or str(path) == mount
            if above and len(mount) > len(best):
                best, kind = mount, fields[2]
    return kind


def machine(work_filesystem: str) -> str:
    with open("/proc/meminfo") as handle:
        mem_kb = int(handle.readline().split()[1])
    cpu = "?"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    tools = {
        "reprepro": _version(["reprepro", "--version"]),
        "aptly": _version(["aptly", "version"]),
        "createrepo_c": _version(["/usr/bin/createrepo_c", "--version"]),
        "nginx": _version(["nginx", "-v"]),
        "wrk": _version(["wrk", "-v"]),
    }
    lines = [
        f"Machine: {os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB memory, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}; "
        f"repositories written to {work_filesystem}.",
        "Tools: " + "; ".join(f"{name}: {version}" for name, version in tools.items()) + ".",
    ]
    return "\n".join(lines)


def _ratio(mine: float | None, theirs: float | None) -> str:
    if mine is None or theirs is None or theirs == 0:
        return "-"
    return f"{mine / theirs:.2f}"


def table_markdown(table: Table) -> str:
    others = [tool for tool in table.tools if tool != "r2repo"]
    header = ["packages", *(f"{tool} s" for tool in table.tools)]
    header += [f"r2repo / {tool}" for tool in others]
    lines = [f"### {table.title}", "", table.about, ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in table.rows:
        seconds = [row.seconds(tool) for tool in table.tools]
        cells = [row.label, *("-" if s is None else f"{s:.2f}" for s in seconds)]
        cells += [_ratio(row.seconds("r2repo"), row.seconds(tool)) for tool in others]
        lines.append("| " + " | ".join(cells) + " |")
    runs = sorted({len(r) for row in table.rows for r in row.runs.values()})
    lines += ["", f"Runs per figure: {', '.join(map(str, runs))}. Target: {table.target}"]
    lines += [f"{note}" for note in table.notes]
    return "\n".join(lines)


def figures_markdown(figures: Figures) -> str:
    lines = [f"### {figures.title}", "", figures.about, ""]
    lines += ["| " + " | ".join(figures.header) + " |", "|" + "---|" * len(figures.header)]
    lines += ["| " + " | ".join(row) + " |" for row in figures.rows]
    if figures.target:
        lines += ["", f"Target: {figures.target}"]
    lines += [f"{note}" for note in figures.notes]
    return "\n".join(lines)


def render(sections: list[Table | Figures], scale: str, work_filesystem: str) -> str:
    parts = [BEGIN, "", f"Scale: `{scale}`. " + machine(work_filesystem), ""]
    for section in sections:
        text = table_markdown(section) if isinstance(section, Table) else figures_markdown(section)
        parts += [text, ""]
    parts.append(END)
    return "\n".join(parts)


def _sections(block: str) -> dict[str, str]:
    """The scenario sections of a generated block, by their scenario number."""
    found: dict[str, str] = {}
    for part in block.split("\n### ")[1:]:
        part = part.split("\n" + END)[0].rstrip("\n")
        found[part.split(":", 1)[0]] = "### " + part
    return found


def _merged(old_block: str, new_block: str) -> str:
    """A run of some scenarios (--only) keeps the sections of the others from the last run."""
    sections = _sections(old_block)
    sections.update(_sections(new_block))
    head = new_block.split("\n### ")[0].rstrip("\n")
    ordered = [sections[key] for key in sorted(sections)]
    return "\n\n".join([head, *ordered]) + "\n\n" + END


def write(path: Path, generated: str, merge: bool = False) -> None:
    """Replace what lies between the markers (or append them) and keep everything else."""
    current = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        old_block, tail = rest.split(END, 1)
        if merge:
            generated = _merged(BEGIN + old_block + END, generated)
        text = head + generated + tail
    else:
        text = current.rstrip("\n") + "\n\n" + generated + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
