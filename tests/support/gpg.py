"""gpg-agents that tests (and the clients they run) leave behind."""

from __future__ import annotations

from pathlib import Path


def agents_under(directory: Path) -> list[int]:
    """gpg-agents started with a --homedir inside `directory` (dnf and rpm start their own)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"gpg-agent") and b"--homedir" in argv:
            home = argv[argv.index(b"--homedir") + 1].decode(errors="replace")
            if home.startswith(str(directory)):
                found.append(int(proc.name))
    return found
