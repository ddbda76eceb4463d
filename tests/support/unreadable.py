"""Package inputs that cannot be read, and the reason each error must give."""

from __future__ import annotations

import os
from pathlib import Path

# kind -> the reason after "<path>: "; a FIFO must be refused without waiting for a writer.
UNREADABLE = [
    ("missing", "no such file"),
    ("directory", "not a regular file"),
    ("fifo", "not a regular file"),
    ("symlink loop", "cannot read it (too many levels of symbolic links)"),
]


def make_unreadable(path: Path, kind: str) -> None:
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink loop":
        path.symlink_to(path)
