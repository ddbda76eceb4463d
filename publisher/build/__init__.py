"""Build .deb and .rpm packages from files and directories, in pure Python (what fpm does)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from publisher.build.deb import deb_filename, write_deb
from publisher.build.rpm import rpm_filename, write_rpm
from publisher.build.spec import FORMATS, PackageSpec, validate
from publisher.build.tree import Entry, collect
from publisher.clock import source_date_epoch

Writer = Callable[[PackageSpec, list[Entry], int, BinaryIO], None]
WRITERS: dict[str, tuple[Callable[[PackageSpec], str], Writer]] = {
    "deb": (deb_filename, write_deb),
    "rpm": (rpm_filename, write_rpm),
}
NO_CLAMP = 2**63


def build_packages(
    spec: PackageSpec, formats: list[str], output_dir: Path, epoch: int | None = None
) -> list[Path]:
    """Write one package per format into output_dir; on any error, nothing is left there.

    With `epoch` (default: SOURCE_DATE_EPOCH) set, it is the build time and no file is dated
    later: two builds of the same sources give the same bytes.
    """
    formats = [fmt for fmt in FORMATS if fmt in formats]
    validate(spec, formats)
    if epoch is None:
        epoch = source_date_epoch()
    build_time = epoch if epoch is not None else int(time.time())
    entries = collect(spec, epoch if epoch is not None else NO_CLAMP)
    output_dir.mkdir(parents=True, exist_ok=True)
    pending: list[tuple[Path, Path]] = []
    try:
        for fmt in formats:
            filename, writer = WRITERS[fmt]
            target = output_dir / filename(spec)
            fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=output_dir)
            pending.append((Path(temp), target))
            with os.fdopen(fd, "wb") as out:
                writer(spec, entries, build_time, out)
            os.chmod(temp, 0o644)
    except BaseException:
        for temp, _ in pending:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        raise
    for temp, target in pending:
        os.replace(temp, target)
    return [target for _, target in pending]
