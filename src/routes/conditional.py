"""Preconditions per RFC 9110 section 13, as pure functions over an ETag and a date."""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate, parsedate_tz
from functools import lru_cache

NOT_MODIFIED = 304
PRECONDITION_FAILED = 412


@dataclass(frozen=True, slots=True)
class Conditions:
    """The precondition headers of a request, as received (the bucket may evaluate them too)."""

    if_match: str | None = None
    if_none_match: str | None = None
    if_modified_since: str | None = None
    if_unmodified_since: str | None = None

    def __bool__(self) -> bool:
        return not (
            self.if_match is None
            and self.if_none_match is None
            and self.if_modified_since is None
            and self.if_unmodified_since is None
        )

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> Conditions:
        """From a mapping with lower-case names; the shared empty value when none is present."""
        get = headers.get
        im, inm = get("if-match"), get("if-none-match")
        ims, ius = get("if-modified-since"), get("if-unmodified-since")
        if im is None and inm is None and ims is None and ius is None:
            return NO_CONDITIONS
        return cls(im, inm, ims, ius)


NO_CONDITIONS = Conditions()


def entity_tags(field: str) -> list[tuple[bool, str]]:
    """`(weak, opaque)` for each entity-tag of a list; opaque keeps its quotes."""
    tags: list[tuple[bool, str]] = []
    i, n = 0, len(field)
    while i < n:
        c = field[i]
        if c in " \t,":
            i += 1
            continue
        weak = field.startswith("W/", i)
        if weak:
            i += 2
        if i < n and field[i] == '"':
            close = field.find('"', i + 1)
            if close < 0:
                break  # unterminated: nothing further can match
            tags.append((weak, field[i : close + 1]))
            i = close + 1
        else:  # a lenient reading of an unquoted tag
            comma = field.find(",", i)
            end = n if comma < 0 else comma
            token = field[i:end].strip(" \t")
            if token:
                tags.append((weak, f'"{token}"'))
            i = end
    return tags


def single_tag(field: str, weak_comparison: bool) -> str | None:
    """The one entity-tag a condition field holds, unquoted (`*` as it is), for a store that
    takes a single plain tag (R2's `onlyIf`); None when the field lists several, or holds a weak
    tag where the comparison is strong (If-Match): then the caller evaluates the field itself."""
    if field.strip(" \t") == "*":
        return "*"
    tags = entity_tags(field)
    if len(tags) != 1:
        return None
    weak, opaque = tags[0]
    if weak and not weak_comparison:
        return None
    return opaque[1:-1]


def _opaque(etag: str) -> tuple[bool, str]:
    if etag.startswith("W/"):
        return True, etag[2:]
    return False, etag


def etag_matches_strong(field: str, etag: str) -> bool:
    """If-Match: `*` or any listed tag equal by strong comparison."""
    if field.strip(" \t") == "*":
        return True
    weak, opaque = _opaque(etag)
    if weak:
        return False
    return any(not w and o == opaque for w, o in entity_tags(field))


def etag_matches_weak(field: str, etag: str) -> bool:
    """If-None-Match: `*` or any listed tag equal by weak comparison."""
    if field.strip(" \t") == "*":
        return True
    opaque = _opaque(etag)[1]
    return any(o == opaque for _, o in entity_tags(field))


@lru_cache(maxsize=256)
def parse_http_date(value: str) -> int | None:
    """Seconds since the epoch, or None when `value` is not an HTTP-date (then it is ignored)."""
    if "," in value and value.count(",") > 1:
        return None  # a list: RFC 9110 says ignore the field
    try:
        parts = parsedate_tz(value)
        if parts is None:
            return None
        if not (1 <= parts[2] <= 31 and parts[3] < 24 and parts[4] < 60 and parts[5] <= 60):
            return None
        offset = parts[9] or 0
        return calendar.timegm((*parts[:6], 0, 0, 0)) - offset
    except (ValueError, TypeError, IndexError, OverflowError):
        return None


@lru_cache(maxsize=1024)
def http_date(seconds: int) -> str:
    """IMF-fixdate, as Last-Modified carries it."""
    return formatdate(seconds, usegmt=True)


def validator_second(last_modified: float) -> int:
    """The whole second that Last-Modified states: the modification time rounded up.

    Rounding up lets dates compare with the exact time (modified means later than the date): a
    client that holds no Last-Modified sends its own clock's second back (apt does), and a file
    written later within that second must still count as modified.
    """
    return math.ceil(last_modified)


def evaluate(conditions: Conditions, etag: str, last_modified: float, method: str) -> int | None:
    """304, 412 or None (go on), in the order of RFC 9110 section 13.2.2.

    Call only for an existing object: preconditions are ignored when the answer would be 404.
    """
    modified = last_modified
    if conditions.if_match is not None:
        if not etag_matches_strong(conditions.if_match, etag):
            return PRECONDITION_FAILED
    elif conditions.if_unmodified_since is not None:
        since = parse_http_date(conditions.if_unmodified_since)
        if since is not None and modified > since:
            return PRECONDITION_FAILED
    safe = method in ("GET", "HEAD")
    if conditions.if_none_match is not None:
        if etag_matches_weak(conditions.if_none_match, etag):
            return NOT_MODIFIED if safe else PRECONDITION_FAILED
    elif safe and conditions.if_modified_since is not None:
        since = parse_http_date(conditions.if_modified_since)
        if since is not None and modified <= since:
            return NOT_MODIFIED
    return None


def if_range_allows(field: str, etag: str, last_modified: float) -> bool:
    """True when If-Range still validates, so the Range applies; otherwise send the full 200."""
    field = field.strip(" \t")
    if field.startswith('"'):
        return not etag.startswith("W/") and field == etag
    if field.startswith("W/"):
        return False  # a weak tag never validates a range
    date = parse_http_date(field)
    return date is not None and date == validator_second(last_modified)
