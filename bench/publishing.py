"""Scenarios 1 to 5: publishing .debs and .rpms, fresh and incremental, and r2repo's memory."""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.measure import Run
from bench.results import Figures, Row, Table
from bench.sets import Sets, files_in
from bench.tools import Aptly, Createrepo, Key, R2repo, Reprepro, copy_tree


def _fresh(work: Path, name: str) -> Path:
    path = work / name
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


class DebScenarios:
    """Scenario 1 (fresh) and 2 (add one), sharing the last fresh repository as the base."""

    def __init__(self, sets: Sets, key: Key, work: Path) -> None:
        self.sets, self.work = sets, work
        self.r2repo, self.reprepro, self.aptly = R2repo(key), Reprepro(key), Aptly(key)
        self.fresh = Table(
            "Scenario 1: fresh publish of N .debs into one dist (amd64, arm64, all)",
            "Seconds (median) from nothing to a signed dist: r2repo publish; reprepro includedeb "
            "(which exports); aptly repo create + repo add + publish repo.",
            ["r2repo", "reprepro", "aptly"],
            target="r2repo at or below reprepro at 10,000 debs, and below aptly.",
        )
        self.incremental = Table(
            "Scenario 2: add 1 .deb to a dist that holds N",
            "Seconds (median) to add one package and re-sign: r2repo publish; reprepro includedeb; "
            "aptly repo add + publish update.",
            ["r2repo", "reprepro", "aptly"],
            target="r2repo at or below reprepro at 50,000, well under a second per 10,000 "
            "existing packages.",
        )

    def _publish(self, tool: str, out: Path, directory: Path, files: list[Path]) -> Run:
        if tool == "r2repo":
            return self.r2repo.publish_debs(out, files, self.work)
        if tool == "reprepro":
            return self.reprepro.include(out, files)
        return self.aptly.fresh(out, directory)

    def _add(self, tool: str, base: Path, deb: Path) -> Run:
        if tool == "r2repo":
            return self.r2repo.publish_debs(base, [deb], self.work)
        if tool == "reprepro":
            return self.reprepro.include(base, [deb])
        return self.aptly.add(base, deb)

    def run(
        self, label: str, directory: Path, tools: list[str], runs: int, incremental: bool
    ) -> dict[str, Path]:  # noqa: E501
        files = [directory / name for name in files_in(directory, ".deb")]
        row = Row(f"{len(files):,} {label}")
        bases: dict[str, Path] = {}
        for number in range(runs):
            for tool in tools:  # side by side: every tool once per round
                out = _fresh(self.work, f"{tool}-{len(files)}-{number}")
                row.add(tool, self._publish(tool, out, directory, files))
                if tool in bases:
                    shutil.rmtree(bases[tool], ignore_errors=True)
                bases[tool] = out
        self.fresh.rows.append(row)
        if incremental:
            extra = self.sets.extra_deb()
            added = Row(f"{len(files):,} {label}")
            for _ in range(runs):
                for tool in tools:
                    copy = _fresh(self.work, f"{tool}-{len(files)}-plus1")
                    copy_tree(bases[tool], copy)
                    added.add(tool, self._add(tool, copy, extra))
                    shutil.rmtree(copy)
            self.incremental.rows.append(added)
        return bases


class RpmScenarios:
    """Scenario 3 (fresh) and 4 (add one with createrepo_c --update)."""

    def __init__(self, sets: Sets, key: Key, work: Path) -> None:
        self.sets, self.work = sets, work
        self.r2repo, self.createrepo = R2repo(key), Createrepo(key)
        self.fresh = Table(
            "Scenario 3: fresh publish of N .rpms",
            "Seconds (median): r2repo publish (which also copies each .rpm into the store; in the "
            "`--link-inputs` rows it hard-links them instead) vs createrepo_c over a directory "
            "already holding the .rpms + gpg --detach-sign.",
            ["r2repo", "createrepo_c"],
            target="r2repo within 1.2x of createrepo_c.",
        )
        self.incremental = Table(
            "Scenario 4: add 1 .rpm to a repository of N",
            "Seconds (median): r2repo publish of one .rpm vs createrepo_c --update + "
            "gpg --detach-sign.",
            ["r2repo", "createrepo_c"],
            target="r2repo at or below createrepo_c.",
        )

    def _createrepo_dir(self, directory: Path, name: str) -> Path:
        target = _fresh(self.work, name)
        target.mkdir()
        for rpm in files_in(directory, ".rpm"):
            (target / rpm).hardlink_to(directory / rpm)
        return target

    def run(self, directory: Path, runs: int) -> None:
        files = [directory / name for name in files_in(directory, ".rpm")]
        row = Row(f"{len(files):,} rpms")
        linked = Row(f"{len(files):,} rpms, r2repo --link-inputs")
        bases: dict[str, Path] = {}
        for number in range(runs):
            out = _fresh(self.work, f"r2repo-rpm-{len(files)}-{number}")
            row.add("r2repo", self.r2repo.publish(out, files, self.work))
            created = self._createrepo_dir(directory, f"createrepo-{len(files)}-{number}")
            row.add("createrepo_c", self.createrepo.fresh(created))
            for tool, path in (("r2repo", out), ("createrepo_c", created)):
                if tool in bases:
                    shutil.rmtree(bases[tool], ignore_errors=True)
                bases[tool] = path
            # The same as createrepo_c's terms: the package files are the inputs themselves.
            out = _fresh(self.work, f"r2repo-rpm-linked-{len(files)}-{number}")
            linked.add("r2repo", self.r2repo.publish(out, files, self.work, "--link-inputs"))
            shutil.rmtree(out, ignore_errors=True)
            created = self._createrepo_dir(directory, f"createrepo-linked-{len(files)}-{number}")
            linked.add("createrepo_c", self.createrepo.fresh(created))
            shutil.rmtree(created, ignore_errors=True)
        self.fresh.rows += [row, linked]
        extra = self.sets.extra_rpm()
        added = Row(f"{len(files):,} rpms")
        for _ in range(runs):
            copy = _fresh(self.work, "r2repo-rpm-plus1")
            copy_tree(bases["r2repo"], copy)
            added.add("r2repo", self.r2repo.publish(copy, [extra], self.work))
            shutil.rmtree(copy)
            copy = _fresh(self.work, "createrepo-plus1")
            copy_tree(bases["createrepo_c"], copy)
            (copy / extra.name).hardlink_to(extra)
            added.add("createrepo_c", self.createrepo.update(copy))
            shutil.rmtree(copy)
        self.incremental.rows.append(added)
        for path in bases.values():
            shutil.rmtree(path, ignore_errors=True)


def memory_figures(debs: DebScenarios) -> Figures:
    """Scenario 5: r2repo's peak memory (whole process tree) in scenarios 1 and 2."""
    figures = Figures(
        "Scenario 5: peak memory of r2repo",
        "Largest memory of the whole process tree: the sum of each process's proportional set "
        "size (PSS, so pages a forked worker shares with its parent count once), sampled every "
        "20 ms; scenarios 1 and 2, reprepro and aptly beside r2repo.",
        ["packages", "scenario", "r2repo MB", "reprepro MB", "aptly MB"],
        target="under 500 MB at 50,000 packages.",
    )
    for table, what in ((debs.fresh, "1: fresh"), (debs.incremental, "2: add 1")):
        for row in table.rows:
            cells = [row.peak_mb(tool) for tool in ("r2repo", "reprepro", "aptly")]
            figures.rows.append(
                [row.label, what, *("-" if mb is None else f"{mb:.0f}" for mb in cells)]
            )
    return figures
