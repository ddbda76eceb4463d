"""map_in_workers: results in order from worker processes, the first failure raised."""

from __future__ import annotations

import os

import pytest

from publisher.errors import PackageError
from publisher.workers import map_in_workers


def _square_in(number: int) -> tuple[int, int]:
    return number * number, os.getpid()


def _fail_on_odd(number: int) -> int:
    if number % 2:
        raise PackageError(f"item {number}: odd")
    return number


def test_results_in_order_from_other_processes():
    results = map_in_workers(_square_in, list(range(200)), min_items=2)
    assert [square for square, _ in results] == [n * n for n in range(200)]
    if (os.cpu_count() or 1) > 1:
        assert os.getpid() not in {pid for _, pid in results}


def test_few_items_stay_in_this_process():
    assert {pid for _, pid in map_in_workers(_square_in, [1, 2, 3])} == {os.getpid()}


def test_first_failure_in_order_is_raised():
    with pytest.raises(PackageError, match="item 1: odd"):
        map_in_workers(_fail_on_odd, list(range(100)), min_items=2)
