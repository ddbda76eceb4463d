"""A Packages stanza kept as its exact text, with the few fields publishing needs parsed fast.

A publish of one package into a dist of 50,000 must not parse and re-dump 50,000 stanzas with
python-debian: a stanza read back from a Packages file keeps its bytes, and only Package,
Version, Architecture and the checksums are picked out by a string search on first use. Any other
field is parsed on demand by python-debian, so the stanza still reads as the full mapping.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from debian.deb822 import Deb822

# What the repository writes into a stanza, never taken from the package's own control file.
CHECKSUM_FIELDS = ("MD5sum", "SHA1", "SHA256", "SHA512")
REPOSITORY_FIELDS = frozenset(("Filename", "Size", *CHECKSUM_FIELDS))
# Single-line fields read without python-debian (exact case, as r2repo writes them).
_FAST_FIELDS = frozenset(("Package", "Version", "Architecture", "SHA256", "Source", "Filename"))
# Field names are case-insensitive (deb822(5), dpkg): "filename:" in a package is a Filename.
_REPOSITORY_NAMES = frozenset(name.lower() for name in REPOSITORY_FIELDS)
_CANONICAL_NAMES = {name.lower(): name for name in _FAST_FIELDS}


def is_repository_field(name: str) -> bool:
    return name.lower() in _REPOSITORY_NAMES


def canonical_name(name: str) -> str:
    """A field's name as a stanza is searched for ("package" written as "Package")."""
    return _CANONICAL_NAMES.get(name.lower(), name)


def _line_field(text: str, key: str) -> str | None:
    """The value of the single-line field `key` that starts a line of `text`, as python-debian
    reads it (blanks around it cut). str.find, not a regular expression: reading back a big dist
    asks this three times per stanza, and a regex pass per stanza would be most of the read.
    """
    if text.startswith(key + ":"):
        start = len(key) + 1
    else:
        at = text.find("\n" + key + ":")
        if at < 0:
            return None
        start = at + len(key) + 2
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)].strip(" \t")


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
        self._fast: dict[str, str | None] = {}  # filled on first use of each field
        self._full: Deb822 | None = None

    def _parsed(self) -> Deb822:
        if self._full is None:
            self._full = Deb822(self.text)
        return self._full

    def __getitem__(self, key: str) -> str:
        if key in _FAST_FIELDS:
            fast = self._fast
            if key in fast:
                value = fast[key]
            else:
                value = fast[key] = _line_field(self.text, key)
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
