"""`wrangler deploy --dry-run` with the pinned current wrangler: the bundle has everything."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.support.server import REPO_ROOT

WRANGLER = REPO_ROOT / "node_modules" / ".bin" / "wrangler"


def test_dry_run_bundle(tmp_path: Path) -> None:
    vendored = tmp_path / "python_modules"
    subprocess.run(
        [str(REPO_ROOT / "scripts" / "vendor-python"), "--out", str(vendored)],
        check=True,
        capture_output=True,
    )
    # The repository's own wrangler.toml, with python_modules/ from this run beside it.
    project = tmp_path / "project"
    project.mkdir()
    (project / "wrangler.toml").write_text((REPO_ROOT / "wrangler.toml").read_text())
    (project / "src").symlink_to(REPO_ROOT / "src")
    (project / "python_modules").symlink_to(vendored)
    out = tmp_path / "dist"
    env = {**os.environ, "WRANGLER_SEND_METRICS": "false", "CI": "true"}
    done = subprocess.run(
        [str(WRANGLER), "deploy", "--dry-run", "--outdir", str(out)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    files = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert "worker.py" in files
    for name in ("handler.py", "access.py", "pages.py", "templates/landing.html"):
        assert f"routes/{name}" in files
    for name in ("jinja2/__init__.py", "markupsafe/__init__.py", "workers/__init__.py"):
        assert f"python_modules/{name}" in files
    assert not any(f.endswith(".so") for f in files)
    assert "env.BUCKET" in done.stdout
    version = json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"]["wrangler"]
    installed = json.loads((REPO_ROOT / "node_modules/wrangler/package.json").read_text())
    assert installed["version"] == version
