"""A package input that cannot be read is named with the reason, for .deb and .rpm alike."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from publisher.apt.debpkg import read_deb
from publisher.errors import PackageError
from publisher.yum.rpmpkg import read_rpm

READERS = [(read_deb, "x_1_all.deb"), (read_rpm, "x-1-1.noarch.rpm")]
# kind -> the reason after "<path>: "; a FIFO must be refused without waiting for a writer.
UNREADABLE = [
    ("missing", "no such file"),
    ("directory", "not a regular file"),
    ("fifo", "not a regular file"),
    ("symlink loop", "cannot read it (too many levels of symbolic links)"),
]


def _make(path: Path, kind: str) -> None:
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink loop":
        path.symlink_to(path)


@pytest.mark.parametrize(("read", "name"), READERS)
@pytest.mark.parametrize(("kind", "reason"), UNREADABLE)
def test_an_input_that_cannot_be_read_says_why(
    tmp_path: Path, read: Callable[[Path], object], name: str, kind: str, reason: str
):
    path = tmp_path / name
    _make(path, kind)
    with pytest.raises(PackageError) as raised:
        read(path)
    assert str(raised.value) == f"{path}: {reason}"
