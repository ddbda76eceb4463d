"""README.md's fenced code blocks, as a reader copies them.

A block is marked for the tests by an HTML comment on the line right before its fence:

    <!-- readme-test: NAME -->
    ```sh
    ...
    ```

Several blocks may share a NAME (they are then taken in order). An indented fence (inside a
list item) is read without its indentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tests.support.server import REPO_ROOT

README = REPO_ROOT / "README.md"
MARKER = re.compile(r"^\s*<!--\s*readme-test:\s*([\w.-]+)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")


@dataclass(frozen=True)
class Block:
    marker: str | None
    language: str
    text: str
    heading: str  # the `##`/`###` heading the block is under
    line: int  # 1-based line of the opening fence


def blocks(path: Path = README) -> list[Block]:
    found: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    heading, marker, index = "", None, 0
    while index < len(lines):
        line = lines[index]
        fence = FENCE.match(line)
        if fence:
            indent, language = fence.group(1), fence.group(2)
            body: list[str] = []
            index += 1
            while index < len(lines) and lines[index].strip() != "```":
                body.append(lines[index].removeprefix(indent))
                index += 1
            text = "\n".join(body) + "\n"
            start = index - len(body)
            found.append(Block(marker, language, text, heading, start))
            marker = None
        elif MARKER.match(line):
            marker = MARKER.match(line).group(1)  # type: ignore[union-attr]
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
            marker = None
        elif line.strip():
            marker = None
        index += 1
    return found


def marked(name: str, path: Path = README) -> list[Block]:
    """The blocks marked `name`, in order."""
    return [block for block in blocks(path) if block.marker == name]


def under(heading: str, path: Path = README) -> list[Block]:
    """The marked blocks under the heading `heading` (any marker name), in order."""
    return [block for block in blocks(path) if block.heading == heading and block.marker]
