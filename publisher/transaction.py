"""Compare-and-swap retries shared by every repository kind."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from publisher.errors import CommitConflict
from publisher.stores import PreconditionFailed

MAX_ATTEMPTS = 12
Result = TypeVar("Result")


def with_retries(attempt: Callable[[], Result], what: str) -> Result:
    """Run `attempt` (read state, apply, commit) until its compare-and-swap wins."""
    for number in range(MAX_ATTEMPTS):
        try:
            return attempt()
        except PreconditionFailed:
            time.sleep(random.uniform(0.05, 0.2) * (number + 1))
    raise CommitConflict(
        f"{what}: other publishers changed it {MAX_ATTEMPTS} times while this one tried to "
        "commit; nothing of this publish is referenced, run it again"
    )
