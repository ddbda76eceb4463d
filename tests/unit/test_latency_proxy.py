"""The latency proxy's arithmetic: critical path and requests in flight from a timeline."""

from __future__ import annotations

from bench.latency import Faults, Record, Rule, critical_path, max_in_flight


def _r(start: float, end: float) -> Record:
    return Record("PUT", "k", start, end)


def test_parallel_requests_are_one_round_trip() -> None:
    records = [_r(0, 1), _r(0.1, 1.1), _r(0.2, 1.2)]
    assert critical_path(records) == 1
    assert max_in_flight(records) == 3


def test_requests_one_after_the_other_each_count() -> None:
    records = [_r(0, 1), _r(1.5, 2.5), _r(3, 4), _r(3.1, 4.1)]
    assert critical_path(records) == 3
    assert max_in_flight(records) == 2


def test_longest_chain_wins_over_a_long_request_beside_it() -> None:
    # One long GET beside a chain of three short ones: three round trips, not one.
    records = [_r(0, 10), _r(0, 1), _r(2, 3), _r(4, 5)]
    assert critical_path(records) == 3


def test_threads_that_do_not_wait_for_each_other_are_not_a_chain() -> None:
    # Two upload threads over a 50 ms round trip, their short requests interleaved 10 ms
    # apart: each thread waited for its own answers only, four round trips, not eight.
    a = [_r(0.05 * n, 0.05 * n + 0.001) for n in range(4)]
    b = [_r(0.05 * n + 0.01, 0.05 * n + 0.011) for n in range(4)]
    assert critical_path(a + b) == 8
    assert critical_path(a + b, gap=0.045) == 4


def test_rules_fire_the_given_number_of_times_after_skipping() -> None:
    faults = Faults(rules=[Rule("500", method="PUT", key=r"\.deb$", times=2, skip=1)])
    picks = [faults.pick("PUT", f"pool/p{n}.deb", {}) for n in range(5)]
    assert picks == ["", "500", "500", "", ""]
    assert faults.pick("GET", "pool/p.deb", {}) == ""


def test_a_412_only_answers_a_conditional_write() -> None:
    faults = Faults(rules=[Rule("412", key="InRelease$", times=0)])
    assert faults.pick("PUT", "dists/d/InRelease", {}) == ""
    assert faults.pick("PUT", "dists/d/InRelease", {"if-match": '"x"'}) == "412"


def test_the_random_mix_hits_about_its_share() -> None:
    faults = Faults(mix=0.1, seed=7)
    hits = sum(bool(faults.pick("PUT", f"k{n}", {"if-none-match": "*"})) for n in range(2000))
    assert 150 < hits < 250
