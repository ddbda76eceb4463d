"""Worker processes for a publish's CPU-bound work: reading packages, rendering repodata.

The code doing that work (createrepo_c's bindings, python-debian, the control reader) holds the
GIL for most of it, so threads would run on one core; processes use every core. (Compressing
indexes runs on threads instead: zlib and lzma release the GIL, see publisher/apt/render.py.)
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import signal
import struct
import threading
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Generic, TypeVar

from publisher.errors import R2repoError

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

Item = TypeVar("Item")
Result = TypeVar("Result")

MAX_WORKERS = 8
# Below this many items, doing the work here beats starting worker processes.
PARALLEL_ITEMS = 64


def worker_count(jobs: int) -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS, jobs))


def _process_pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes for a process that may not fork (it runs other threads, which a fork
    may deadlock): a forkserver's, which first imports the whole CLI again."""
    # Imported here: multiprocessing is slow to import, and small publishes never fork.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"))


def map_in_workers(
    function: Callable[[Item], Result], items: Sequence[Item], min_items: int = PARALLEL_ITEMS
) -> list[Result]:
    """`function` of each item, in order, on every core; the first failure (in order) raises.

    `function` must be a module-level function and its results picklable. Meant for reading
    the inputs at the start of a publish, while this process is still small: each of the other
    cores gets a forked child, and this process works too; all of them take runs of items from
    one queue until it is empty (cores of a virtual machine do not run at the same speed: fixed
    shares would leave the faster one waiting), and each child sends one pickled list back (a
    process pool costs more than the reading itself).
    Where forking is unsafe, a pool.
    """
    workers = worker_count(len(items))
    if workers < 2 or len(items) < min_items:
        return [function(item) for item in items]
    if not _can_fork():
        # A few chunks per worker: big enough to amortise the pickling, small enough to balance.
        chunk = max(1, len(items) // (workers * 8))
        with _process_pool(workers) as pool:
            return list(pool.map(function, items, chunksize=chunk))
    runs = _runs(len(items), workers)
    with _RunQueue(len(runs)) as queue, contextlib.ExitStack() as children:
        take = functools.partial(_take, function, items, runs, queue)
        others = [children.enter_context(Background(take)) for _ in range(1, workers)]
        done = [*take(), *(run for child in others for run in child.result())]
    failures = [failed for _, _, failed in done if failed is not None]
    if failures:
        raise min(failures, key=lambda found: found[0])[1]
    results: list[Result] = [None] * len(items)  # type: ignore[list-item]
    for k, values, _ in done:
        results[slice(*runs[k])] = values
    return results


# (index of the run, its results, (index among all items, error) of its failure or None)
DoneRun = tuple[int, list[Result], tuple[int, Exception] | None]
RUNS_PER_WORKER = 32  # the queue's granularity: the last run is all one core can wait for
MAX_RUNS = 4096  # the queue is a pipe filled before the fork: 4 bytes a run, 64 KiB at least


def _runs(count: int, workers: int) -> list[tuple[int, int]]:
    """(start, stop) of consecutive runs of items covering `count`."""
    size = max(1, -(-count // min(MAX_RUNS, workers * RUNS_PER_WORKER)))
    return [(start, min(start + size, count)) for start in range(0, count, size)]


class _RunQueue:
    """Run numbers 0..n-1 in a pipe, written before the fork: whoever reads 4 bytes takes the
    next run (a pipe read is atomic), an empty pipe with no writer says all are taken."""

    def __init__(self, count: int) -> None:
        self._read, write = os.pipe()
        try:
            os.write(write, struct.pack(f"<{count}I", *range(count)))
        finally:
            os.close(write)

    def take(self) -> int | None:
        data = os.read(self._read, 4)
        return struct.unpack("<I", data)[0] if data else None

    def drain(self) -> None:
        """Take every run left, so that the other processes stop after their current one."""
        while os.read(self._read, 65536):
            pass

    def __enter__(self) -> _RunQueue:
        return self

    def __exit__(self, *exc_info: object) -> None:
        os.close(self._read)


def _take(
    function: Callable[[Item], Result],
    items: Sequence[Item],
    runs: list[tuple[int, int]],
    queue: _RunQueue,
) -> list[DoneRun[Result]]:
    """Runs from the queue until it is empty or an item fails. Runs are taken in order, so
    every run before a failing one is someone's already and the runs left cannot hold the
    first failure: they are drained, and a bad file early in 50,000 fails at once."""
    done: list[DoneRun[Result]] = []
    while (k := queue.take()) is not None:
        values: list[Result] = []
        start, stop = runs[k]
        for position in range(start, stop):
            try:
                values.append(function(items[position]))
            except Exception as exc:  # noqa: BLE001 - the caller raises the first one in order
                done.append((k, values, (position, exc)))
                queue.drain()
                return done
        done.append((k, values, None))
    return done


def _can_fork() -> bool:
    # A fork of a process running threads may deadlock in the child (a lock held elsewhere).
    return hasattr(os, "fork") and threading.active_count() == 1


class Background(Generic[Result]):
    """`function()` computed in a forked child while this process goes on; `result()` waits.

    The child shares everything this process holds at the fork, so nothing is pickled on the
    way in; the result (or the exception) comes back pickled through a pipe. Runs `function`
    here instead, when `result()` is first called, when asked to or when forking is unsafe or
    unavailable. Use it as a context manager: leaving it unfinished kills the child.
    """

    def __init__(self, function: Callable[[], Result], *, fork: bool = True) -> None:
        self._pid: int | None = None
        self._pipe: int | None = None
        self._outcome: tuple[bool, object] | None = None
        self._here: Callable[[], Result] | None = None
        if not (fork and _can_fork()):
            # Run when the result is asked for: a commit asks while its packages upload
            # (core/uploads.commit's `later`), so the work overlaps those round trips.
            self._here = function
            return
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            os.close(read_end)
            status = 0
            try:
                with open(write_end, "wb") as pipe:
                    pipe.write(_pickled(_run(function)))
            except BaseException:  # noqa: BLE001 - the parent sees an empty pipe
                status = 1
            finally:
                os._exit(status)  # no atexit handlers, no flush of the parent's buffers
        os.close(write_end)
        self._pid, self._pipe = pid, read_end

    def result(self) -> Result:
        if self._here is not None:
            function, self._here = self._here, None
            self._outcome = _run(function)
        if self._outcome is None:
            assert self._pipe is not None and self._pid is not None
            with open(self._pipe, "rb") as pipe:
                self._pipe = None
                data = pipe.read()
            _, status = os.waitpid(self._pid, 0)
            self._pid = None
            if not data:
                raise R2repoError(f"a worker process failed (wait status {status})")
            self._outcome = pickle.loads(data)
        ok, value = self._outcome
        if not ok:
            raise value  # type: ignore[misc]
        return value  # type: ignore[return-value]

    def __enter__(self) -> Background[Result]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None


def _run(function: Callable[[], Result]) -> tuple[bool, object]:
    try:
        return True, function()
    except Exception as exc:  # noqa: BLE001 - handed to whoever asks for the result
        return False, exc


def _pickled(outcome: tuple[bool, object]) -> bytes:
    try:
        return pickle.dumps(outcome)
    except Exception:  # noqa: BLE001 - an exception carrying something that does not pickle
        ok, value = outcome
        return pickle.dumps((False, R2repoError(f"{type(value).__name__}: {value}")))
