"""Compare-and-swap retries shared by every repository kind."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from publisher.errors import CommitConflict
from publisher.stores import PreconditionFailed

# Losers retry with capped exponential back-off and jitter; 8 publishers racing on one dist
# all get through well within this bound (tests/integration/test_concurrency.py).
MAX_ATTEMPTS = 30
MAX_BACKOFF_SECONDS = 2.0
Result = TypeVar("Result")


def with_retries(attempt: Callable[[], Result], what: str) -> Result:
    """Run `attempt` (read state, apply, commit) until its compare-and-swap wins."""
    for number in range(MAX_ATTEMPTS):
        try:
            return attempt()
        except PreconditionFailed:
            backoff = min(MAX_BACKOFF_SECONDS, 0.05 * 2**number)
            wait = random.uniform(0.5, 1.5) * backoff
            sys.stderr.write(
                f"r2repo: {what}: another publisher committed first; retry {number + 1} of the "
                f"commit in {wait:.1f} s\n"
            )
            time.sleep(wait)
    raise CommitConflict(
        f"{what}: other publishers changed it {MAX_ATTEMPTS} times while this one tried to "
        "commit; nothing of this publish is referenced, run it again"
    )
