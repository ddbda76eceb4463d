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


def worker_count(jobs: int) -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS, jobs))


def _process_pool(workers: int) -> ProcessPoolExecutor:
    """Forks while this process runs no other thread: they start in milliseconds, where a
    forkserver first imports the whole CLI again (half a second). A fork of a process running
    threads may deadlock, so then a forkserver."""
    method = "fork" if threading.active_count() == 1 else "forkserver"
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
    with _process_pool(workers) as pool:
        return list(pool.map(function, items, chunksize=chunk))
