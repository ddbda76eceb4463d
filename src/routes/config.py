"""What the deployment decides about serving."""

from __future__ import annotations

from dataclasses import dataclass

PRIVATE_PREFIX = "_r2repo/"
ENTRY_TTL = 60
NAME = "r2repo"


@dataclass(frozen=True, slots=True)
class RouteConfig:
    private_prefix: str = PRIVATE_PREFIX  # never served: the publisher's own state
    entry_ttl: int = ENTRY_TTL  # max-age in seconds of entry points and plain indexes
    name: str = NAME  # the repository's display name: page titles, auth realm, file names

    def __post_init__(self) -> None:
        if not self.private_prefix.endswith("/"):
            object.__setattr__(self, "private_prefix", self.private_prefix + "/")
        if self.entry_ttl < 0:
            raise ValueError("entry_ttl must not be negative")
