"""The edge cache's rules (the Worker's Cache API), as pure functions.

Auth runs before any lookup. Full 200 responses to GET are stored; the cache itself answers
ranges and conditionals from them. Private content is stored only under a key of its own, that
only a request which passed the auth check can look up, and leaves the cache marked private.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from routes.access import Decision
from routes.http import Request, Response
from routes.paths import is_directory

# Query parameters that change what is served; every other one is dropped from the key.
CONTENT_QUERY = ("cursor",)
PRIVATE_MARK = "/_r2repo/private"  # a path prefix that no request can name (routes rejects it)
MAX_CACHED_BYTES = 512 * 1024 * 1024  # the Cache API's object size limit
_UNCACHEABLE_CONDITIONS = ("if-match", "if-unmodified-since", "if-range")


def cache_key(url: str, private: bool) -> str:
    """The URL the response is stored under: no credentials, no query that changes nothing."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k in CONTENT_QUERY]
    path = (PRIVATE_MARK + parts.path) if private else parts.path
    return urlunsplit((parts.scheme, parts.hostname or "", path, urlencode(sorted(kept)), ""))


def may_look_up(request: Request, key: str | None, decision: Decision) -> bool:
    """Whether the cache may answer: GET/HEAD of a path auth let through, with conditions
    the cache evaluates itself (If-None-Match, If-Modified-Since, Range)."""
    if request.method not in ("GET", "HEAD") or key is None or decision.status is not None:
        return False
    if is_directory(key) and (decision.token is not None or decision.private):
        return False  # pages differ per token
    return not any(name in request.headers for name in _UNCACHEABLE_CONDITIONS)


def should_store(request: Request, response: Response) -> bool:
    """Only complete 200 answers to GET that a cache may keep."""
    if request.method != "GET" or response.status != 200 or response.body is None:
        return False
    cache_control = response.header("cache-control") or ""
    if "no-store" in cache_control or response.header("content-range") is not None:
        return False
    length = response.header("content-length")
    return length is None or int(length) <= MAX_CACHED_BYTES


def stored_cache_control(cache_control: str) -> str:
    """What the stored copy carries: the Cache API keeps nothing marked private."""
    if cache_control.startswith("private"):
        return "public" + cache_control[len("private") :]
    return cache_control


def served_cache_control(cache_control: str, private: bool) -> str:
    """What a response from the cache carries to the client."""
    if private and cache_control.startswith("public"):
        return "private" + cache_control[len("public") :]
    return cache_control
