"""A publisher stopped at 20 points of its upload sequence, on S3 and locally.

At 3 points per store the publisher is a separate process killed with SIGKILL, through the
R2REPO_TEST_KILL_AFTER_WRITES test hook (publisher/core/uploads.py): it kills itself right after
its Nth write reached the store. At the others it runs in-process over a store that stops it
right after its Nth write (tests/support/faultstore.py): the same state, without starting an
interpreter per point. After each stop the repository must verify and apt-get update must
succeed; the next publish must finish the job.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.apt import AptClient
from tests.support.debs import build_deb
from tests.support.faultstore import stop_publish
from tests.support.server import serving

pytestmark = pytest.mark.slow

KILL_POINTS = 20


def kill_points(total: int) -> list[int]:
    """20 distinct write counts spread over the sequence, always including the entry points."""
    last = total - 1  # killing after the last write tests nothing the others do not
    spread = {1 + round(i * (last - 1) / (KILL_POINTS - 1)) for i in range(KILL_POINTS)}
    spread |= {total - 3, total - 2, total - 1}  # before InRelease, after it, after Release.gpg
    points = sorted(spread)
    while len(points) > KILL_POINTS:
        points.pop(len(points) // 2)
    return points


@pytest.mark.parametrize("kind", ["s3", "local"])
def test_killed_publishes_leave_a_valid_repository(kind, r2repo, moto_s3, key_dir, tmp_path):
    store = f"s3://{moto_s3.bucket()}" if kind == "s3" else str(tmp_path / "store")
    signing = ("--signing-key", key_dir / "signing-key.asc")
    common = ("--store", store, "--dist", "stable", *signing)
    work = tmp_path / "debs"
    work.mkdir()

    def round_debs(n: int) -> list[Path]:
        # Six packages: enough writes for 20 distinct stopping points (one by-hash copy each).
        return [
            build_deb(work, "crash-a", f"{n}.0", "amd64"),
            build_deb(work, "crash-b", f"{n}.0", "arm64"),
            *(build_deb(work, f"crash-{c}", f"{n}.0", "amd64") for c in "cdef"),
        ]

    assert r2repo("publish", *common, *round_debs(0)).code == 0
    # How many writes a publish of this shape makes: the sequence the kills are spread over.
    probe = r2repo("publish", *common, *round_debs(1))
    assert probe.code == 0
    total = sum(
        1 for line in probe.err.splitlines() if line.startswith(("r2repo: put ", "r2repo: touch "))
    )
    assert total >= KILL_POINTS + 3, probe.err
    points = kill_points(total)
    assert len(points) == KILL_POINTS
    # Real kills: after the first write, in the middle, between InRelease and Release.
    killed = {points[0], points[len(points) // 2], total - 2}
    assert len(killed) == 3

    apt = AptClient(tmp_path / "apt")
    with serving(store) as url:
        apt.set_sources([f"deb [signed-by={key_dir / 'key.gpg'}] {url} stable main"])
        apt.update()
        for number, point in enumerate(points, start=2):
            debs = round_debs(number)
            stop_publish(r2repo, point, (*common, *debs), kill=point in killed)
            checked = r2repo("verify", "--store", store)
            assert checked.code == 0, (point, checked)
            apt.update()
            finished = r2repo("publish", *common, *debs)
            assert finished.code == 0, (point, finished)
            strict = r2repo("verify", "--store", store, "--strict")
            assert strict.code == 0, (point, strict)  # nothing left of the interrupted commit
            listed = r2repo("list", "--store", store).out
            assert (
                f"crash-a\t{number}.0\tamd64" in listed and f"crash-b\t{number}.0\tarm64" in listed
            )
        apt.update()
        assert f"Candidate: {len(points) + 1}.0" in apt.policy("crash-a")
