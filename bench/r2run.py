"""`python -m bench.r2run ARGS... --files-from LIST`: the r2repo CLI with its file arguments read
from a file, so a publish of 50,000 packages does not hit the kernel's argument-size limit."""

from __future__ import annotations

import sys

from publisher.cli import main


def expand(argv: list[str]) -> list[str]:
    if "--files-from" not in argv:
        return argv
    at = argv.index("--files-from")
    with open(argv[at + 1]) as handle:
        files = [line for line in handle.read().splitlines() if line]
    return argv[:at] + argv[at + 2 :] + files


if __name__ == "__main__":
    sys.exit(main(expand(sys.argv[1:])))
