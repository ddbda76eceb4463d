"""rpmvercmp against the cases rpm's own test suite documents."""

from __future__ import annotations

import pytest

from publisher.yum.rpmversion import compare_evr, rpmvercmp

CASES = [
    ("1.0", "1.0", 0),
    ("1.0", "2.0", -1),
    ("2.0", "1.0", 1),
    ("2.0.1", "2.0.1", 0),
    ("2.0", "2.0.1", -1),
    ("2.0.1a", "2.0.1", 1),
    ("5.5p1", "5.5p2", -1),
    ("5.5p10", "5.5p1", 1),
    ("10xyz", "10.1xyz", -1),
    ("xyz10", "xyz10.1", -1),
    ("xyz.4", "8", -1),
    ("8", "xyz.4", 1),
    ("1.0aa", "1.0a", 1),
    ("2a", "2.0", -1),
    ("1.0", "1.fc4", 1),
    ("3.0.0_fc", "3.0.0.fc", 0),
    ("1++", "1_", 0),
    ("+a", "_a", 0),
    ("1.0~rc1", "1.0", -1),
    ("1.0~rc1", "1.0~rc2", -1),
    ("1.0~rc1~git123", "1.0~rc1", -1),
    ("1.0^", "1.0", 1),
    ("1.0^git1", "1.0", 1),
    ("1.0^git1", "1.01", -1),
    ("1.0^20160101", "1.0.1", -1),
    ("1.0^git1~pre", "1.0^git1", -1),
    ("1.0~rc1^git1", "1.0~rc1", 1),
    ("1.0^git1", "1.0^git2", -1),
    ("001", "1", 0),
]


@pytest.mark.parametrize(("left", "right", "expected"), CASES)
def test_rpmvercmp(left, right, expected):
    assert rpmvercmp(left, right) == expected
    assert rpmvercmp(right, left) == -expected


def test_epoch_wins_over_version():
    assert compare_evr(("1", "0.1", "1"), ("", "9.9", "9")) == 1
    assert compare_evr(("0", "1.0", "1"), ("", "1.0", "1")) == 0
    assert compare_evr(("", "1.0", "2"), ("", "1.0", "10")) == -1
