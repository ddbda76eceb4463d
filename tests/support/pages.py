"""The setup snippets of a landing page, as a user selecting them would copy them."""

from __future__ import annotations

from html.parser import HTMLParser


class Snippets(HTMLParser):
    """The text of every `<pre id=...>`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: dict[str, str] = {}
        self._id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self._id = dict(attrs).get("id") or ""
            self.blocks[self._id] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._id = None

    def handle_data(self, data: str) -> None:
        if self._id is not None:
            self.blocks[self._id] += data


def page_snippets(html: str) -> dict[str, str]:
    parser = Snippets()
    parser.feed(html)
    return parser.blocks
