"""Key files are only ever created new: never through a symlink, never over a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import tree_digest
from tests.support.debs import build_deb


@pytest.mark.parametrize("name", ["signing-key.asc", "key.asc", "key.gpg"])
def test_keys_generate_refuses_a_dangling_symlink(name, r2repo, tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.mkdir()
    target = tmp_path / "somewhere" / "stolen.asc"
    target.parent.mkdir()
    (keys / name).symlink_to(target)
    done = r2repo("keys", "generate", "--output-dir", keys, "--algorithm", "ed25519")
    assert done.code == 1 and done.out == ""
    assert done.err == f"error: {keys / name}: already exists (a symlink, not followed), " + (
        "not overwriting it\n"
    )
    assert not target.exists() and list(target.parent.iterdir()) == []
    assert sorted(p.name for p in keys.iterdir()) == [name]


def test_the_default_key_is_not_written_through_a_dangling_symlink(
    r2repo, tmp_path: Path, monkeypatch
) -> None:
    """The key a publish makes when none is given: a link planted at its path is refused."""
    monkeypatch.delenv("R2REPO_SIGNING_KEY", raising=False)
    work = tmp_path / "work"
    (work / ".r2repo/keys").mkdir(parents=True)
    target = tmp_path / "somewhere.asc"
    (work / ".r2repo/keys/signing-key.asc").symlink_to(target)
    deb = build_deb(tmp_path, "r2-a", "1")
    monkeypatch.chdir(work)
    before = tree_digest(work)
    done = r2repo("publish", "--store", "s", "--dist", "d", deb)
    assert done.code == 1
    assert "signing-key.asc: already exists, not overwriting it" in done.err
    assert len(done.err.strip().splitlines()) == 1, done.err
    assert not target.exists() and tree_digest(work) == before
