"""A store that stops a publish right after its Nth write: a crash, proven in-process.

A SIGKILLed publisher leaves exactly the writes that reached the store. This wrapper leaves the
same: it lets the Nth write (PUT, or a touch that refreshed an object) complete, then raises
WritesExhausted, a BaseException the engine does not catch, and refuses every later write and
delete before it reaches the store (threads still running in the upload pool stop there too).
It counts what the R2REPO_TEST_KILL_AFTER_WRITES hook counts, so a point means the same in both.
"""

from __future__ import annotations

import importlib
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from publisher.core.uploads import KILL_AFTER_WRITES_ENV
from publisher.stores import ObjectInfo, Store
from publisher.stores.open import StoreLocation
from tests.support.publishers import run_r2repo


class WritesExhausted(BaseException):
    """The simulated crash: not an Exception, so no handler in the publisher swallows it."""


class FailAfterWrites:
    """A Store (publisher/stores/base.py) by delegation, that stops after `limit` writes."""

    def __init__(self, inner: Store, limit: int) -> None:
        self.inner = inner
        self.url = inner.url
        self.limit = limit
        self.writes = 0
        self.tripped = False
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        # The protocol's attributes (upload_workers, create_only_first) and what a store offers
        # beside it read as the real one's; every method that writes is wrapped above or below.
        return getattr(self.inner, name)

    def _before_write(self) -> None:
        with self._lock:
            if self.tripped:
                raise WritesExhausted(f"write refused after write {self.limit}")

    def _wrote(self) -> None:
        with self._lock:
            self.writes += 1
            if self.writes >= self.limit:
                self.tripped = True
                raise WritesExhausted(f"stopped after write {self.writes}")

    def head(self, key: str) -> ObjectInfo | None:
        return self.inner.head(key)

    def get_bytes(self, key: str) -> bytes | None:
        return self.inner.get_bytes(key)

    def get_with_info(self, key: str) -> tuple[bytes, ObjectInfo] | None:
        return self.inner.get_with_info(key)

    def open_read(self, key: str, start: int = 0) -> BinaryIO:
        return self.inner.open_read(key, start)

    def put_bytes(
        self, key: str, data: bytes, *, if_match: str | None = None, if_none_match: bool = False
    ) -> ObjectInfo:
        self._before_write()
        info = self.inner.put_bytes(key, data, if_match=if_match, if_none_match=if_none_match)
        self._wrote()
        return info

    def put_file(
        self, key: str, path: Path, *, sha256: str | None = None, if_none_match: bool = False
    ) -> ObjectInfo:
        self._before_write()
        info = self.inner.put_file(key, path, sha256=sha256, if_none_match=if_none_match)
        self._wrote()
        return info

    def touch(self, key: str) -> bool:
        self._before_write()
        touched = self.inner.touch(key)
        if touched:  # a touch that could not refresh wrote nothing (the engine then puts)
            self._wrote()
        return touched

    def copy(
        self,
        source_key: str,
        target_key: str,
        *,
        sha256: str | None = None,
        if_none_match: bool = False,
    ) -> ObjectInfo:
        self._before_write()
        info = self.inner.copy(source_key, target_key, sha256=sha256, if_none_match=if_none_match)
        self._wrote()
        return info

    def delete(self, key: str) -> None:
        self._before_write()
        self.inner.delete(key)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        return self.inner.list(prefix)

    def ancestors(self) -> list[Store]:
        return self.inner.ancestors()


@contextmanager
def publishes_stop_after(limit: int) -> Iterator[list[FailAfterWrites]]:
    """While active, `r2repo publish` run in-process writes through a FailAfterWrites(limit);
    yields the wrappers it opened, to check that each one tripped."""
    # The module, not the click command of the same name that publisher.cli exports.
    publish_cli = importlib.import_module("publisher.cli.publish")
    opened: list[FailAfterWrites] = []
    real_open = publish_cli.open_store

    def open_failing(location: str | StoreLocation) -> Store:
        store = FailAfterWrites(real_open(location), limit)
        opened.append(store)
        return store

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(publish_cli, "open_store", open_failing)
        yield opened


def stop_publish(r2repo: Any, point: int, args: Sequence[str | Path], *, kill: bool) -> None:
    """`r2repo publish ARGS` stopped right after its `point`th write: killed with SIGKILL (a
    separate process, through the R2REPO_TEST_KILL_AFTER_WRITES hook) or, in-process, by a
    FailAfterWrites store. `r2repo` is the in-process CLI fixture (tests/conftest.py)."""
    if kill:
        killed = run_r2repo("publish", *args, env={KILL_AFTER_WRITES_ENV: str(point)})
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        return
    with publishes_stop_after(point) as opened, pytest.raises(WritesExhausted):
        r2repo("publish", *args)
    # More than `point` only when a write already in flight in the upload pool completed, as
    # it may after a kill.
    assert len(opened) == 1 and opened[0].tripped and opened[0].writes >= point, point
