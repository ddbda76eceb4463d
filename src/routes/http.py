"""The request and response values `handle` works on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(slots=True)
class Request:
    method: str
    path: str  # the raw, still percent-encoded path as received, without the query
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # names in lower case
    origin: str = ""  # scheme://host[:port] the client used, for links on pages; "" if unknown
    # The origin came from the client's own Host header (not from the platform or the
    # operator): pages built from it must not reach a shared cache.
    origin_from_client: bool = False


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]]  # names in lower case
    body: object | None = None  # an opaque handle from the bucket, bytes, or None (no body)

    def header(self, name: str) -> str | None:
        """The first value of header `name` (lower case), or None."""
        for key, value in self.headers:
            if key == name:
                return value
        return None
