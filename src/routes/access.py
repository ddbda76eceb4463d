"""Token auth for private prefixes: the rules file, credentials, and one decision per request.

The rules live in the bucket at `<private prefix>access.json` (never served), written by
`r2repo token` / `r2repo access`, so a change needs no redeploy. Only each token's SHA-256 is
stored; a presented token is hashed and compared with every stored digest in constant time.

Fail closed: rules that cannot be read (a store error, a file that is not exactly what r2repo
writes, or a missing file in a repository that once had rules) refuse every request with 503
until they can be read again. Prefixes are compared as R2 and case-insensitive file systems
would resolve them (NFC, case folded), so no spelling of a private path reads as public.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

ACCESS_NAME = "access.json"
# Written before the first rules file: its presence says "this repository has rules", so a
# rules file that disappears later locks the repository instead of opening it.
RULES_REQUIRED_NAME = "access-required"
FORMAT_VERSION = 1
UNAUTHORIZED = 401
FORBIDDEN = 403
UNAVAILABLE = 503
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


class AccessFileError(ValueError):
    """access.json cannot be read; the message names the reason."""


def normalise_prefix(prefix: str) -> str:
    """A path prefix without leading or trailing `/`; "" is the whole repository."""
    cleaned = prefix.strip().strip("/")
    if any(part in ("", ".", "..") for part in cleaned.split("/")) and cleaned:
        raise AccessFileError(f"prefix {prefix!r}: empty, '.' or '..' segment")
    return cleaned


def comparable(path: str) -> str:
    """`path` as the storage resolves it: R2 stores keys in NFC, and a case-insensitive file
    system (macOS, Windows) opens `PRIVATE/x` for `private/x`. NFC also maps compatibility
    look-alikes with a canonical decomposition (KELVIN SIGN to K)."""
    if path.isascii():
        return path.lower()
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", path).casefold())


def covers(prefix: str, key: str) -> bool:
    """True when `key` (an object key, or a directory key ending in `/`) lies under `prefix`.

    Prefixes are paths: "private" covers "private/x" and the directory "private/", not "privateer".
    Both are compared in their `comparable` form.
    """
    return _under(comparable(prefix), comparable(key))


def _under(prefix: str, key: str) -> bool:
    """`covers` for a prefix and a key already in their comparable form."""
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
    unreadable: str = ""  # why the rules could not be read: every request is refused (503)

    def is_private(self, key: str) -> bool:
        if self.unreadable:
            return True
        best, private = -1, False
        target = comparable(key)
        for prefix, rule_private in self.rules.items():
            compared = comparable(prefix)
            length = len(compared)
            # Two rules that differ only in case or normal form: private wins (fail closed).
            if (length > best or (length == best and rule_private)) and _under(compared, target):
                best, private = length, rule_private
        return private

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


def _typed(value: object, kind: type, where: str) -> object:
    # bool is an int, and a str iterates as a list of characters: both are refused outright.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise AccessFileError(f"{where}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _field(entry: dict, name: str, kind: type, where: str) -> object:
    if name not in entry:
        raise AccessFileError(f"{where}: no {name!r}")
    return _typed(entry[name], kind, f"{where}.{name}")


def _parse_rule(rule: object, where: str) -> tuple[str, bool]:
    rule = _typed(rule, dict, where)
    prefix = _field(rule, "prefix", str, where)
    access = _field(rule, "access", str, where)
    if access not in ("private", "public"):
        raise AccessFileError(f"{where}.access: {access!r} is neither 'private' nor 'public'")
    return normalise_prefix(prefix), access == "private"


def _parse_token(entry: object, where: str) -> Token:
    entry = _typed(entry, dict, where)
    digest = _field(entry, "sha256", str, where)
    if not _SHA256_HEX.fullmatch(digest):
        raise AccessFileError(f"{where}.sha256: not a lower-case hex SHA-256")
    prefixes = _field(entry, "prefixes", list, where)
    created = entry.get("created")
    expires = entry.get("expires")
    return Token(
        name=_field(entry, "name", str, where),
        sha256=digest,
        prefixes=tuple(
            normalise_prefix(_typed(p, str, f"{where}.prefixes[{i}]"))
            for i, p in enumerate(prefixes)
        ),
        created=parse_time(_typed(created, str, f"{where}.created")) if created else 0.0,
        expires=None if expires is None else parse_time(_typed(expires, str, f"{where}.expires")),
    )


def parse_access(data: bytes) -> Access:
    """The rules in access.json; AccessFileError unless it is exactly what `r2repo` writes.

    Strict on purpose: a hand edit that this code would read differently from its author (an
    `access` of "Private", a string where a list of prefixes belongs) must lock, not open.
    """
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AccessFileError(f"not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION:
        raise AccessFileError(f"not an r2repo access file of version {FORMAT_VERSION}")
    unknown = set(document) - {"version", "rules", "tokens"}
    if unknown:
        raise AccessFileError(f"unknown field {sorted(unknown)[0]!r}")
    rules: dict[str, bool] = {}
    for i, rule in enumerate(_typed(document.get("rules", []), list, "rules")):
        prefix, private = _parse_rule(rule, f"rules[{i}]")
        if prefix in rules:
            raise AccessFileError(f"rules[{i}]: prefix {prefix!r} given twice")
        rules[prefix] = private
    tokens = tuple(
        _parse_token(entry, f"tokens[{i}]")
        for i, entry in enumerate(_typed(document.get("tokens", []), list, "tokens"))
    )
    return Access(rules, tokens)


def unreadable(reason: str) -> Access:
    """Rules that could not be read: everything is refused with 503 until they can."""
    return Access({"": True}, (), reason)


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

    status: int | None = None  # 401, 403, 503, or None to go on
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
    if access.unreadable:
        return Decision(UNAVAILABLE, True, None, access, "the access rules cannot be read")
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


class AccessCache:
    """The rules, re-read from the bucket at most every `ttl` seconds (changes apply that fast).

    An unreadable state is kept for at most `RETRY_SECONDS`: the next request after that reads
    again, so an outage ends as soon as the store answers.
    """

    RETRY_SECONDS = 1.0

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._access: Access = PUBLIC
        self._loaded_at: float | None = None
        self._keep_for = ttl

    @property
    def error(self) -> str | None:
        return self._access.unreadable or None

    def fresh(self, now: float) -> Access | None:
        """The rules when they need no reading yet (no await on a server's hot path)."""
        if self._loaded_at is not None and 0 <= now - self._loaded_at < self._keep_for:
            return self._access
        return None

    async def get(self, bucket: _Readable, private_prefix: str, now: float) -> Access:
        """The rules under `private_prefix` (e.g. `_r2repo/`) of `bucket`."""
        fresh = self.fresh(now)
        if fresh is not None:
            return fresh
        self._access = await load_access(bucket, private_prefix)
        self._keep_for = min(self.ttl, self.RETRY_SECONDS) if self._access.unreadable else self.ttl
        self._loaded_at = now
        return self._access


async def load_access(bucket: _Readable, private_prefix: str) -> Access:
    """The rules of the repository in `bucket`, or `unreadable(reason)`: never "public" by
    mistake. Any failure of the read counts (an R2 or S3 error, EACCES, EMFILE, EIO)."""
    key = private_prefix + ACCESS_NAME
    try:
        data = await bucket.read(key)
        if data is None:
            if await bucket.read(private_prefix + RULES_REQUIRED_NAME) is None:
                return PUBLIC  # a repository that never had rules
            return unreadable(f"{key}: missing, though this repository has had access rules")
        return parse_access(data)
    except AccessFileError as exc:
        return unreadable(f"{key}: {exc}")
    except Exception as exc:  # whatever failed, the answer is "locked", never "public"
        return unreadable(f"{key}: cannot be read ({type(exc).__name__}: {exc})")


class _Readable(Protocol):
    """`read` gives the bytes, None when the key does not exist, and raises on any failure."""

    async def read(self, key: str) -> bytes | None: ...
