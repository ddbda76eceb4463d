"""Worker processes for the CPU-bound reading of a publish's packages.

The code doing that work (createrepo_c's bindings, python-debian, the control reader) holds the
GIL for most of it, so threads would run on one core; processes use every core. (Compressing
indexes runs on threads instead: zlib and lzma release the GIL, see aptrender.)
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_WORKERS = 8
# Below this many items, doing the work here beats starting worker processes.
PARALLEL_ITEMS = 64


def worker_count(jobs: int | None = None) -> int:
    cores = min(os.cpu_count() or 1, MAX_WORKERS)
    return cores if jobs is None else max(1, min(cores, jobs))


def process_pool(workers: int, *, fork: bool = False) -> ProcessPoolExecutor:
    """`workers` processes. By default they start from a forkserver, not as forks of this
    process: a fork of a publisher holding 50,000 stanzas copies its pages as soon as the child's
    garbage collector touches them, and a fork of a process running threads may deadlock.

    `fork` starts them as forks anyway while this process runs no other thread: in milliseconds,
    where a forkserver first imports the whole CLI again (half a second).
    """
    method = "fork" if fork and threading.active_count() == 1 else "forkserver"
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))


def map_in_workers(
    function: Callable[[Item], Result], items: Sequence[Item], min_items: int = PARALLEL_ITEMS
) -> list[Result]:
    """`function` of each item, in order, on every core; the first failure (in order) raises.

    `function` must be a module-level function and its results picklable. Meant for reading
    the inputs at the start of a publish, while this process is still small: workers are forks.
    """
    workers = worker_count(len(items))
    if workers < 2 or len(items) < min_items:
        return [function(item) for item in items]
    # A few chunks per worker: big enough to amortise the pickling, small enough to balance.
    chunk = max(1, len(items) // (workers * 8))
    with process_pool(workers, fork=True) as pool:
        return list(pool.map(function, items, chunksize=chunk))
