"""What a key under `_r2repo/` is: the one rule gc, and anything else that deletes, follows.

`_r2repo/` holds the publisher's own state: the marker, the access rules and tokens
(publisher/ops/access.py), and whatever state is added there later. Losing any of it is worse than
keeping it: a missing access.json reads as "no rules", which makes every private prefix public.
So the rule is an allow-list: gc may collect under `_r2repo/` only the records it reads itself
(COLLECTABLE_PREFIXES); every other key there is state and is never collected, including keys
this version of r2repo does not know.
"""

from __future__ import annotations

from routes.config import PRIVATE_PREFIX

STATE_PREFIX = PRIVATE_PREFIX  # "_r2repo/", which the Worker and `serve` never serve either
MARKER_KEY = STATE_PREFIX + "repository.json"
# When each object a dist dropped became unreferenced (publisher/apt/gcrecord.py). An RPM root
# keeps its record in its own repodata/, outside `_r2repo/`.
RECORD_PREFIX = STATE_PREFIX + "unreferenced/"
# Each dist's history entries (publisher/apt/history.py): state, never collected. An RPM root
# keeps its entries in its own repodata/ (publisher/yum/history.py), which gc never collects.
HISTORY_PREFIX = STATE_PREFIX + "history/"
COLLECTABLE_PREFIXES = (RECORD_PREFIX,)


def is_state(key: str) -> bool:
    """True for a key under `_r2repo/` that is not a gc record: never to be deleted."""
    return key.startswith(STATE_PREFIX) and not key.startswith(COLLECTABLE_PREFIXES)
