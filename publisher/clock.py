"""The time written into Release, repomd.xml and built packages."""

from __future__ import annotations

import os
import time


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH (reproducible-builds.org) as an integer, or None when unset or invalid."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(fixed) if fixed.isdigit() else None


def release_time() -> float:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the clock."""
    fixed = source_date_epoch()
    return float(fixed) if fixed is not None else time.time()
