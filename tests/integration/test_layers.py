"""The layout of `publisher/` is its architecture: imports between its packages point down, and
each format's side loads only when a file of that format is published (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.debs import build_deb
from tests.support.publishers import publish_argv, run_python
from tests.support.rpms import build_rpm
from tests.support.server import REPO_ROOT

PUBLISHER = REPO_ROOT / "publisher"
# Higher may import lower, never the reverse; the leaf modules at the top (errors, hashing,
# clock) are below everything. signing may use core's upload plan (it publishes key files).
LAYERS = {
    "cli": 5,
    "ops": 4,
    "serve": 4,
    "build": 3.5,
    "apt": 3,
    "yum": 3,
    "core": 2,
    "signing": 2,
    "stores": 1,
}
SIDEWAYS = {("signing", "core")}


def _package_edges() -> set[tuple[str, str, str]]:
    edges: set[tuple[str, str, str]] = set()
    for path in PUBLISHER.rglob("*.py"):
        parts = path.relative_to(PUBLISHER).parts
        if len(parts) == 1:
            continue  # the leaves and __main__ (the entry point, which only calls cli)
        source = parts[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                segments = name.split(".")
                inside = segments[0] == "publisher" and len(segments) > 1
                if inside and segments[1] in LAYERS and segments[1] != source:
                    edges.add((source, segments[1], str(path.relative_to(REPO_ROOT))))
    return edges


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in PUBLISHER.iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(LAYERS)


def test_imports_between_packages_point_down() -> None:
    edges = _package_edges()
    assert edges, "the check found no imports at all"
    upward = sorted(
        (source, target, file)
        for source, target, file in edges
        if LAYERS[source] <= LAYERS[target] and (source, target) not in SIDEWAYS
    )
    assert upward == []


def test_format_packages_import_nothing_when_imported() -> None:
    for package in ("apt", "yum"):
        assert (PUBLISHER / package / "__init__.py").read_text().strip() == "", package


LOADED = """
import sys
from publisher.cli import main
code = main(sys.argv[1:])
print("LOADED", code, " ".join(m for m in ("createrepo_c", "debian") if m in sys.modules))
"""


@pytest.mark.parametrize(("kind", "absent"), [("deb", "createrepo_c"), ("rpm", "debian")])
def test_a_one_format_publish_never_loads_the_other_side(
    tmp_path: Path, key_dir: Path, kind: str, absent: str
) -> None:
    if kind == "deb":
        inputs = ["--dist", "stable", build_deb(tmp_path, "layer-deb", "1.0", "all", "gzip")]
    else:
        inputs = [build_rpm(tmp_path, "layer-rpm", "1.0", arch="noarch")]
    argv = publish_argv(tmp_path / "store", key_dir, "http://127.0.0.1:1", *inputs)
    done = run_python(LOADED, *argv)
    line = next(line for line in done.stdout.splitlines() if line.startswith("LOADED"))
    _, code, *loaded = line.split()
    assert code == "0", done.stderr
    assert absent not in loaded
    present = "debian" if kind == "deb" else "createrepo_c"
    assert present in loaded  # the check can see a loaded module
