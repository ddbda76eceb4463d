"""map_in_workers: results in order from worker processes, the first failure raised; Background:
one result computed in a forked child."""

from __future__ import annotations

import os
import threading
import time

import pytest

from publisher.core.workers import Background, map_in_workers, worker_count
from publisher.errors import PackageError
from tests.support.publishers import run_python


def _square_in(number: int) -> tuple[int, int]:
    time.sleep(0.001)  # long enough for a forked child to start before the queue is empty
    return number * number, os.getpid()


def _fail_on_odd(number: int) -> int:
    if number % 2:
        raise PackageError(f"item {number}: odd")
    return number


def _fail_on_four_and_seven(number: int) -> int:
    if number in (4, 7):
        raise PackageError(f"item {number}: refused")
    return number


def test_results_in_order_from_other_processes():
    results = map_in_workers(_square_in, list(range(200)), min_items=2)
    assert [square for square, _ in results] == [n * n for n in range(200)]
    if (os.cpu_count() or 1) > 1:
        assert {pid for _, pid in results} - {os.getpid()}


def test_first_failure_in_order_whichever_process_met_it():
    with pytest.raises(PackageError, match="item 4: refused"):
        map_in_workers(_fail_on_four_and_seven, list(range(100)), min_items=2)


# Forked children and this process take runs of items from one queue; that needs a process
# running one thread, and this test process may run others (a session's moto server), so a
# fresh interpreter. Each item takes a little time, so the children start before the queue is
# empty; the slow process's share shows the queue balancing: it takes fewer runs.
SHARES = """
import os, time
from publisher.errors import PackageError
from publisher.core.workers import map_in_workers

SLOW = os.getpid()  # this process's own items are four times slower than the children's

def square_in(number):
    time.sleep(0.004 if os.getpid() == SLOW else 0.001)
    return number * number, os.getpid()

def fail_on_four_and_seven(number):
    if number in (4, 7):
        raise PackageError(f"item {number}: refused")
    return number

results = map_in_workers(square_in, list(range(401)), min_items=2)
print([square for square, _ in results] == [n * n for n in range(401)])
pids = [pid for _, pid in results]
print(len(set(pids)), os.getpid() in pids)
print(pids.count(os.getpid()) < len(pids) / len(set(pids)))
try:
    map_in_workers(fail_on_four_and_seven, list(range(100)), min_items=2)
except PackageError as exc:
    print(exc)
"""


def test_children_and_this_process_share_a_queue_of_runs():
    done = run_python(SHARES)
    assert done.returncode == 0, done.stderr
    workers = worker_count(401)
    expected = ["True", f"{workers} True", "True", "item 4: refused"]
    assert done.stdout.splitlines() == expected


EARLY_FAILURE = """
import os, sys, time
from publisher.errors import PackageError
from publisher.core.workers import map_in_workers

def read(number):
    time.sleep(0.002)
    with open(sys.argv[1], "a") as seen:
        seen.write(f"{number}\\n")
    if number == 0:
        raise PackageError("item 0: refused")
    return number

try:
    map_in_workers(read, list(range(2000)), min_items=2)
except PackageError as exc:
    print(exc)
"""


def test_a_failure_stops_every_process_after_its_current_run(tmp_path):
    seen = tmp_path / "seen"
    done = run_python(EARLY_FAILURE, str(seen))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "item 0: refused"
    # Runs of 2000 / 64 = 32 items: whoever took the first one fails at once; each other
    # process finishes the run it holds and takes no other.
    assert len(seen.read_text().split()) <= 1 + 32 * (worker_count(2000) - 1)


def test_few_items_stay_in_this_process():
    assert {pid for _, pid in map_in_workers(_square_in, [1, 2, 3])} == {os.getpid()}


def test_first_failure_in_order_is_raised():
    with pytest.raises(PackageError, match="item 1: odd"):
        map_in_workers(_fail_on_odd, list(range(100)), min_items=2)


# Background: a result computed in a forked child while the caller goes on. The child's side
# runs in a fresh interpreter: this test process may already run other threads (a session's
# moto server), and then Background rightly declines to fork.
PRELUDE = """
import os, signal, threading, time
from publisher.errors import PackageError, R2repoError
from publisher.core.workers import Background
parent = os.getpid()

class Unpicklable(Exception):
    def __init__(self):
        super().__init__("carries a lock")
        self.lock = threading.Lock()

def fail():
    raise PackageError("x.rpm: broken")

def fail_unpicklable():
    raise Unpicklable

def error_of(function):
    with Background(function) as pending:
        try:
            pending.result()
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}"
"""
IN_A_CHILD = {
    # Another process, which saw this one's memory as it was at the fork.
    "result": (
        "with Background(lambda: (os.getpid(), [parent] * 3)) as pending:\n"
        "    child, seen = pending.result()\n"
        "print(child != parent, seen == [parent] * 3)",
        "True True",
    ),
    "error": ("print(error_of(fail))", "PackageError: x.rpm: broken"),
    "unpicklable error": (
        "print(error_of(fail_unpicklable))",
        "R2repoError: Unpicklable: carries a lock",
    ),
    "child killed": (
        "print(error_of(lambda: os.kill(os.getpid(), signal.SIGKILL)))",
        "R2repoError: a worker process failed (wait status 9)",
    ),
    # Leaving it unfinished kills the child and reaps it: no zombie, no minute-long wait.
    "left unfinished": (
        "with Background(lambda: time.sleep(60)) as pending:\n"
        "    child = pending._pid\n"
        "try:\n"
        "    os.waitpid(child, os.WNOHANG)\n"
        "except ChildProcessError:\n"
        "    print('reaped', child != parent)",
        "reaped True",
    ),
}


@pytest.mark.parametrize("case", sorted(IN_A_CHILD))
def test_background_in_a_child(case: str):
    code, expected = IN_A_CHILD[case]
    done = run_python(PRELUDE + code, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_background_runs_here_when_told_not_to_fork():
    with Background(os.getpid, fork=False) as pending:
        assert pending.result() == os.getpid()


def test_background_runs_here_while_other_threads_run():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with Background(os.getpid) as pending:
            assert pending.result() == os.getpid()
    finally:
        stop.set()
        thread.join()


def test_background_here_raises_the_functions_error_when_asked():
    def fail() -> None:
        raise PackageError("x.rpm: broken")

    pending = Background(fail, fork=False)  # no error yet: it comes with the result
    with pytest.raises(PackageError, match="x.rpm"):
        pending.result()
