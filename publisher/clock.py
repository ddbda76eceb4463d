"""The time written into Release and repomd.xml."""

from __future__ import annotations

import os
import time


def release_time() -> float:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the clock."""
    fixed = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return float(fixed) if fixed.isdigit() else time.time()
