"""RPM version ordering (rpmvercmp), with epochs, `~` (pre-release) and `^` (post-release)."""

from __future__ import annotations

import functools
import re

_SEGMENT = re.compile(r"([0-9]+|[A-Za-z]+|~|\^)")


def _segments(version: str) -> list[str]:
    return _SEGMENT.findall(version)


def rpmvercmp(left: str, right: str) -> int:
    """-1, 0 or 1, as rpm's rpmvercmp() compares two version or release strings."""
    if left == right:
        return 0
    a, b = _segments(left), _segments(right)
    while a or b:
        x = a[0] if a else None
        y = b[0] if b else None
        # "~" sorts before anything, even the end of the string.
        if x == "~" or y == "~":
            if x != y:
                return -1 if x == "~" else 1
            a, b = a[1:], b[1:]
            continue
        # "^" sorts after the end of the string but before any other segment.
        if x == "^" or y == "^":
            if x is None:
                return -1
            if y is None:
                return 1
            if x != y:
                return -1 if x == "^" else 1
            a, b = a[1:], b[1:]
            continue
        if x is None or y is None:
            return -1 if x is None else 1
        if x.isdigit() != y.isdigit():
            return 1 if x.isdigit() else -1
        if x.isdigit():
            x, y = x.lstrip("0"), y.lstrip("0")
            if len(x) != len(y):
                return 1 if len(x) > len(y) else -1
        if x != y:
            return 1 if x > y else -1
        a, b = a[1:], b[1:]
    return 0


def compare_evr(left: tuple[str, str, str], right: tuple[str, str, str]) -> int:
    """Compare (epoch, version, release) triples; an empty epoch is 0."""
    left_epoch, right_epoch = int(left[0] or 0), int(right[0] or 0)
    if left_epoch != right_epoch:
        return 1 if left_epoch > right_epoch else -1
    return rpmvercmp(left[1], right[1]) or rpmvercmp(left[2], right[2])


evr_key = functools.cmp_to_key(compare_evr)
