"""Upload progress: a rich bar on a terminal, plain lines otherwise (CI logs, pipes)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from publisher.core.uploads import Action, Reporter, Upload


class LineReporter:
    """One line per object written: `put KEY (n/N)`; skipped objects are only counted."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.total = 0
        self.count = 0
        self.lock = threading.Lock()

    def begin(self, uploads: Sequence[Upload]) -> None:
        self.total, self.count = len(uploads), 0

    def more(self, uploads: Sequence[Upload]) -> None:
        with self.lock:
            self.total += len(uploads)

    def done(self, upload: Upload, action: Action) -> None:
        with self.lock:
            self.count += 1
            if action is not Action.SKIP:
                self.say(f"{action.value} {upload.key} ({self.count}/{self.total})")

    def end(self) -> None:
        pass


class BarReporter:
    """A rich progress bar over the bytes of the commit, on stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task: Any = None
        self.total = 0

    def begin(self, uploads: Sequence[Upload]) -> None:
        self.progress.start()
        self.total = sum(upload.size for upload in uploads)
        self.task = self.progress.add_task("uploading", total=self.total)

    def more(self, uploads: Sequence[Upload]) -> None:
        self.total += sum(upload.size for upload in uploads)
        self.progress.update(self.task, total=self.total)

    def done(self, upload: Upload, action: Action) -> None:
        self.progress.update(self.task, advance=upload.size, description=upload.key[-40:])

    def end(self) -> None:
        self.progress.stop()


def reporter_for(say: Callable[[str], None], stream: Any = None) -> Reporter:
    stream = stream or sys.stderr
    if hasattr(stream, "isatty") and stream.isatty():
        return BarReporter()
    return LineReporter(say)
