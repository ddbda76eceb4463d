"""A Packages stanza kept as its exact text, with the few fields publishing needs parsed fast.

A publish of one package into a dist of 50,000 must not parse and re-dump 50,000 stanzas with
python-debian: a stanza read back from a Packages file keeps its bytes, and only Package,
Version, Architecture and the checksums are picked out with one regular expression. Any other
field is parsed on demand by python-debian, so the stanza still reads as the full mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from debian.deb822 import Deb822

# Single-line fields, as python-debian reads them (value without surrounding blanks).
# The value runs to the end of the line and trailing blanks are cut in Python: a lazy match
# followed by `[ \t]*$` backtracked at every character (40% of reading a big Packages file).
_FAST = re.compile(r"^(Package|Version|Architecture|SHA256|Source|Filename):[ \t]*([^\n]*)", re.M)
# What the repository writes into a stanza, never taken from the package's own control file.
CHECKSUM_FIELDS = ("MD5sum", "SHA1", "SHA256", "SHA512")
REPOSITORY_FIELDS = frozenset(("Filename", "Size", *CHECKSUM_FIELDS))
_FAST_FIELDS = frozenset(("Package", "Version", "Architecture", "SHA256", "Source", "Filename"))


def dump_field(key: str, value: str) -> str:
    """One field as python-debian's Deb822.dump writes it."""
    if not value or value[0] == "\n":
        return f"{key}:{value}\n"
    return f"{key}: {value}\n"


class Stanza(Mapping[str, str]):
    """One paragraph of a Packages file: `text` ends with a newline and holds no blank line."""

    __slots__ = ("text", "_fast", "_full")

    def __init__(self, text: str) -> None:
        self.text = text
        self._fast = {key: value.rstrip(" \t") for key, value in _FAST.findall(text)}
        self._full: Deb822 | None = None

    def _parsed(self) -> Deb822:
        if self._full is None:
            self._full = Deb822(self.text)
        return self._full

    def __getitem__(self, key: str) -> str:
        if key in _FAST_FIELDS:
            value = self._fast.get(key)
            if value is not None:
                return value
            raise KeyError(key)
        return self._parsed()[key]

    def get(self, key: str, default=None):  # type: ignore[no-untyped-def, override]
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        return iter(self._parsed())

    def __len__(self) -> int:
        return len(self._parsed())

    def dump(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Stanza):
            return self.text == other.text
        return Mapping.__eq__(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Stanza({self.text!r})"


def split_stanzas(text: str) -> Iterator[Stanza]:
    """The stanzas of a Packages file as r2repo writes it: separated by one blank line."""
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        chunk = chunk.strip("\n")
        if chunk:
            yield Stanza(chunk + "\n")
