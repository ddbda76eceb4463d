"""Token auth for private prefixes: the rules file, credentials, and one decision per request.

The rules live in the bucket at `<private prefix>access.json` (never served), written by
`r2repo token` / `r2repo access`, so a change needs no redeploy. Only each token's SHA-256 is
stored; a presented token is hashed and compared with every stored digest in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

ACCESS_NAME = "access.json"
FORMAT_VERSION = 1
UNAUTHORIZED = 401
FORBIDDEN = 403


class AccessFileError(ValueError):
    """access.json cannot be read; the message names the reason."""


def normalise_prefix(prefix: str) -> str:
    """A path prefix without leading or trailing `/`; "" is the whole repository."""
    cleaned = prefix.strip().strip("/")
    if any(part in ("", ".", "..") for part in cleaned.split("/")) and cleaned:
        raise AccessFileError(f"prefix {prefix!r}: empty, '.' or '..' segment")
    return cleaned


def covers(prefix: str, key: str) -> bool:
    """True when `key` (an object key, or a directory key ending in `/`) lies under `prefix`.

    Prefixes are paths: "private" covers "private/x" and the directory "private/", not "privateer".
    """
    return not prefix or key == prefix or key.startswith(prefix + "/")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_time(value: str) -> float:
    """`2027-01-31` (midnight UTC) or an ISO 8601 date-time, as seconds since the epoch."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise AccessFileError(f"{value!r}: not an ISO 8601 date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def format_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Token:
    name: str
    sha256: str  # hex digest of the token; the token itself is never stored
    prefixes: tuple[str, ...]  # the private prefixes it may read
    created: float = 0.0
    expires: float | None = None

    def may_read(self, key: str) -> bool:
        return any(covers(prefix, key) for prefix in self.prefixes)

    def expired(self, now: float) -> bool:
        return self.expires is not None and now >= self.expires


@dataclass(frozen=True, slots=True)
class Access:
    """Which prefixes are private (the longest matching rule wins) and the tokens."""

    rules: Mapping[str, bool] = field(default_factory=dict)  # prefix -> private?
    tokens: tuple[Token, ...] = ()

    def is_private(self, key: str) -> bool:
        best, private = -1, False
        for prefix, rule_private in self.rules.items():
            if len(prefix) > best and covers(prefix, key):
                best, private = len(prefix), rule_private
        return private

    def has_private(self) -> bool:
        return any(self.rules.values())

    def find(self, token: str) -> Token | None:
        """The stored token whose digest equals the presented one's, compared in constant time."""
        digest = token_digest(token)
        found = None
        for candidate in self.tokens:  # no early exit: the time does not tell which one matched
            if hmac.compare_digest(candidate.sha256, digest):
                found = candidate
        return found

    def to_json(self) -> bytes:
        document = {
            "version": FORMAT_VERSION,
            "rules": [
                {"prefix": prefix, "access": "private" if private else "public"}
                for prefix, private in sorted(self.rules.items())
            ],
            "tokens": [
                {
                    "name": token.name,
                    "sha256": token.sha256,
                    "prefixes": list(token.prefixes),
                    "created": format_time(token.created),
                    "expires": None if token.expires is None else format_time(token.expires),
                }
                for token in sorted(self.tokens, key=lambda t: t.name)
            ],
        }
        return (json.dumps(document, indent=2) + "\n").encode()


PUBLIC = Access()


def parse_access(data: bytes) -> Access:
    """The rules in access.json; AccessFileError when it is not what `r2repo` writes."""
    try:
        document = json.loads(data)
        if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
            raise AccessFileError(f"not an r2repo access file of version {FORMAT_VERSION}")
        rules = {
            normalise_prefix(rule["prefix"]): rule["access"] == "private"
            for rule in document.get("rules", [])
        }
        tokens = tuple(
            Token(
                name=str(entry["name"]),
                sha256=str(entry["sha256"]).lower(),
                prefixes=tuple(normalise_prefix(p) for p in entry["prefixes"]),
                created=parse_time(entry["created"]) if entry.get("created") else 0.0,
                expires=parse_time(entry["expires"]) if entry.get("expires") else None,
            )
            for entry in document.get("tokens", [])
        )
    except AccessFileError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AccessFileError(f"malformed access file: {exc!r}") from None
    return Access(rules, tokens)


def presented_token(headers: Mapping[str, str]) -> str | None:
    """The token of `Authorization: Bearer T` or Basic (the password; the user name if empty).

    A token in the query string is never read: URLs end up in logs and caches.
    """
    field_value = headers.get("authorization")
    if not field_value:
        return None
    scheme, _, credentials = field_value.strip().partition(" ")
    credentials = credentials.strip()
    scheme = scheme.lower()
    if scheme == "bearer":
        return credentials or None
    if scheme != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, _, password = decoded.partition(":")
    return password or user or None


@dataclass(frozen=True, slots=True)
class Decision:
    """What auth decided for one request: a refusal status, or go on (privately or not)."""

    status: int | None = None  # 401, 403, or None to go on
    private: bool = False  # the path is private: its responses must not reach a shared cache
    token: Token | None = None  # the valid token presented, if any
    access: Access = PUBLIC
    reason: str = ""

    def may_read(self, key: str) -> bool:
        """Whether this requester may see `key` (listings use it to hide private entries)."""
        if not self.access.is_private(key):
            return True
        return self.token is not None and self.token.may_read(key)


OPEN = Decision()


def authorize(access: Access, key: str | None, headers: Mapping[str, str], now: float) -> Decision:
    """The decision for object or directory `key` (None: the path names nothing; go on)."""
    token: Token | None = None
    presented = presented_token(headers)
    if presented is not None:
        token = access.find(presented)
        if token is not None and token.expired(now):
            token = None
    if key is None or not access.is_private(key):
        return Decision(None, False, token, access)
    if presented is None:
        return Decision(UNAUTHORIZED, True, None, access, "a token is needed")
    if token is None:
        return Decision(UNAUTHORIZED, True, None, access, "unknown, revoked or expired token")
    if not token.may_read(key):
        return Decision(FORBIDDEN, True, token, access, "the token may not read this path")
    return Decision(None, True, token, access)


FAIL_CLOSED = Access({"": True}, ())  # an unreadable rules file locks everything


class AccessCache:
    """The rules, re-read from the bucket at most every `ttl` seconds (changes apply that fast)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._access: Access = PUBLIC
        self._loaded_at: float | None = None
        self.error: str | None = None

    def fresh(self, now: float) -> Access | None:
        """The rules when they need no reading yet (no await on a server's hot path)."""
        if self._loaded_at is not None and 0 <= now - self._loaded_at < self.ttl:
            return self._access
        return None

    async def get(self, bucket: _Readable, key: str, now: float) -> Access:
        fresh = self.fresh(now)
        if fresh is not None:
            return fresh
        data = await bucket.read(key)
        try:
            self._access = PUBLIC if data is None else parse_access(data)
            self.error = None
        except AccessFileError as exc:
            self._access, self.error = FAIL_CLOSED, f"{key}: {exc}"
        self._loaded_at = now
        return self._access


class _Readable(Protocol):
    async def read(self, key: str) -> bytes | None: ...
