"""The landing page a warm isolate keeps in memory: rendered once per viewer, for ENTRY_TTL.

Discovering what the bucket holds costs the page about eight R2 calls (~1 ms of CPU each in a
Python Worker) and a template render; a client or a cache may keep the page `entry_ttl` seconds
(its max-age), so an isolate may too. The page depends on who looks: the key holds the token's
scope (None for the public) and whether the path is private, and an entry counts only while the
access rules are those it was rendered under, so a page shown to a token never reaches the
public, and a rule or token change shows at once.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from routes.access import Access, Decision
from routes.config import RouteConfig

MAX_ENTRIES = 64  # origins x token scopes; beyond that, the oldest renders go


def page_key(decision: Decision, config: RouteConfig, base: str) -> Hashable:
    """What the page shows depends on: the viewer's readable scope, the deployment, the origin."""
    scope = None if decision.token is None else decision.token.prefixes
    return (scope, decision.private, config, base)


@dataclass(frozen=True, slots=True)
class _Held:
    access: Access  # the rules it was rendered under
    expires: float
    html: str


class PageMemo:
    def __init__(self) -> None:
        self._held: dict[Hashable, _Held] = {}

    def get(self, key: Hashable, access: Access, now: float) -> str | None:
        held = self._held.get(key)
        if held is None or now >= held.expires:
            return None
        # Identity first: the rules object changes only when they are re-read.
        if held.access is not access and held.access != access:
            return None
        return held.html

    def put(self, key: Hashable, access: Access, html: str, now: float, ttl: float) -> None:
        if ttl <= 0:
            return
        if key not in self._held and len(self._held) >= MAX_ENTRIES:
            self._held = {k: h for k, h in self._held.items() if now < h.expires}
            while len(self._held) >= MAX_ENTRIES:  # dicts keep insertion order: oldest first
                del self._held[next(iter(self._held))]
        self._held[key] = _Held(access, now + ttl, html)
