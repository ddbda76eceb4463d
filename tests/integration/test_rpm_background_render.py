"""repodata rendered in a forked child while the packages are written: same metadata, real dnf.

A publish of at least PARALLEL_ITEMS new .rpms renders repodata/ in a child process during the
package commit (publisher.core.workers.Background). The CLI runs here as its own process (one
thread, so it forks); the same packages published with the fork turned off must give the same
primary, filelists and other, and dnf must list and install from the forked publish.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.genrpm import rpm_name, write_set
from publisher.cli import main
from publisher.core.workers import PARALLEL_ITEMS
from publisher.yum import publish as yumpublish
from tests.support.publishers import publish_argv, run_python
from tests.support.rpmclients import DnfClient
from tests.support.server import free_port, serving

pytestmark = pytest.mark.slow  # forked rendering of a package set, real dnf

COUNT = PARALLEL_ITEMS + 16

# The CLI as its own process, reporting on stderr whether each Background forked a child.
COUNTING_CLI = """
import sys
from publisher.core import workers
from publisher.cli import main

started = workers.Background.__init__
def counting(self, *args, **kwargs):
    started(self, *args, **kwargs)
    print("background forked:", self._pid is not None, file=sys.stderr)
workers.Background.__init__ = counting
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def rpm_set(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_set(tmp_path_factory.mktemp("rpms"), COUNT, prefix="bgrender")


def _package_metadata(store: Path) -> list[str]:
    names = (path.name for path in (store / "rpm/repodata").iterdir())
    return sorted(name for name in names if name.endswith(".xml.gz"))


def test_forked_render_matches_inline_and_dnf_installs(
    tmp_path: Path, key_dir: Path, rpm_set: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    forked = tmp_path / "forked"
    done = run_python(COUNTING_CLI, *publish_argv(forked, key_dir, base, *rpm_set))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "background forked: True" in done.stderr

    inline = tmp_path / "inline"
    monkeypatch.setattr(yumpublish, "PARALLEL_ITEMS", 10**9)  # never worth a fork: render here
    assert main(publish_argv(inline, key_dir, base, *rpm_set)) == 0

    # Content-addressed names: equal names are equal bytes.
    assert _package_metadata(forked) == _package_metadata(inline)
    assert len(_package_metadata(forked)) == 3

    with serving(forked, port):
        dnf = DnfClient(tmp_path / "root")
        dnf.add_repo_file((forked / "rpm/r2repo.repo").read_text())
        listed = dnf.dnf("repoquery", "--qf", "%{name}-%{version}-%{release}.%{arch}").stdout
        for index in range(COUNT):
            name, version, release, arch = rpm_name(index, "bgrender")
            assert f"{name}-{version}-{release}.{arch}" in listed
        name, version, release, arch = rpm_name(COUNT - 1, "bgrender")
        dnf.dnf("install", f"{name}-{version}-{release}.{arch}")
        assert f"{name}-{version}-{release}.{arch}" in dnf.installed()
