"""One check that a .deb's control text reads the same to dpkg as to the index.

dpkg (lib/dpkg/parse.c) ends a line only at "\\n" (and a field at Ctrl+Z), refuses a duplicate
field, a line that is neither a field nor a continuation, and a second paragraph. python-debian,
which reads the fields that go into Packages, splits lines with str.splitlines (also at "\\r",
"\\v", "\\f", "\\x1c"-"\\x1e", U+0085, U+2028, U+2029), skips lines that start with "#", drops
lines it cannot read, keeps the last of two equal fields and reads the first paragraph only. A
control text read differently would be indexed as one package while dpkg installs another
("X-Note: hi\\rPackage: coreutils" in a package named sneaky), so it is refused: the text is read
here as dpkg reads it, and python-debian's fields must be the same.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

# No control character but tab and newline, and no Unicode line break: several are a line end to
# one of dpkg, python-debian and apt and not to another, NUL cuts dpkg's C string short, and none
# belongs in a control file.
_ODD_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]")
_CONTROL_NAMES = {
    "\0": "NUL",
    "\r": "CARRIAGE RETURN",
    "\v": "LINE TABULATION",
    "\f": "FORM FEED",
    "\x1a": "SUBSTITUTE",
    "\x85": "NEXT LINE",
}
# Debian Policy 5.1: a name is printable ASCII but ":", not led by "#" or "-"; blanks may stand
# on either side of the colon (dpkg skips them, so does python-debian).
_FIELD = re.compile(r"([!-\"$-,.-9;-~][!-9;-~]*)[ \t]*:[ \t]*(.*)")


def _odd_character(text: str) -> str | None:
    match = _ODD_CHARACTER.search(text)
    if match is None:
        return None
    char = match.group()
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(char, "a control character")
    line = text.count("\n", 0, match.start()) + 1
    return (
        f"control file holds U+{ord(char):04X} ({name}) on line {line}, "
        "which dpkg and python-debian read differently"
    )


def dpkg_fields(text: str) -> dict[str, tuple[str, str]]:
    """The fields of `text` as dpkg reads them: lower-case name -> (name, value).

    Raises ValueError with the reason when dpkg would refuse the text or python-debian could
    read it otherwise.
    """
    if reason := _odd_character(text):
        raise ValueError(reason)
    if text and not text.endswith("\n"):
        raise ValueError("control file does not end with a newline (dpkg refuses it)")
    lines = text.split("\n")  # the last is "": the text ends with a newline
    start = 0
    while start < len(lines) and not lines[start]:
        start += 1  # dpkg and python-debian both skip empty lines before the paragraph
    end = lines.index("", start) if start < len(lines) else start
    if any(lines[end:]):
        raise ValueError("control file holds more than one paragraph (dpkg refuses it)")
    fields: dict[str, tuple[str, str]] = {}
    name = ""  # the field being read, and its lines
    value: list[str] = []

    def close() -> None:
        if name:
            # dpkg trims blanks at the end of the value; python-debian at the end of each line.
            fields[name.lower()] = (name, "\n".join(value).rstrip(" \t"))

    for number, line in enumerate(lines[start:end], start + 1):
        if line[0] in " \t":
            if not name:
                raise ValueError(f"control file line {number} continues no field")
            if not line.strip(" \t"):
                raise ValueError(f"control file line {number} holds only blanks")
            value.append(line)
            continue
        match = _FIELD.fullmatch(line)
        if match is None:
            raise ValueError(f"control file line {number} is not a field: {line[:40]!r}")
        close()
        name, value = match[1], [match[2]]
        if name.lower() in fields:
            raise ValueError(f"control file holds field {name} twice (dpkg refuses it)")
        if len(name) < 2:
            raise ValueError(f"control file field name {name!r} is too short (dpkg refuses it)")
    close()
    return fields


def _lines_trimmed(value: str) -> str:
    return "\n".join(line.rstrip(" \t") for line in value.split("\n"))


def check_control_text(text: str, parsed: Mapping[str, str]) -> str | None:
    """Why `text`, which python-debian read as `parsed`, cannot be indexed, or None when dpkg
    reads the same fields with the same values (blanks at line ends aside)."""
    try:
        seen = dpkg_fields(text)
    except ValueError as exc:
        return str(exc)
    theirs = {key.lower(): _lines_trimmed(value) for key, value in parsed.items()}
    for key, (name, value) in seen.items():
        if theirs.get(key) != _lines_trimmed(value):
            return f"control file field {name} reads differently to dpkg and python-debian"
    if extra := sorted(theirs.keys() - seen.keys()):
        return f"control file field {extra[0]} reads differently to dpkg and python-debian"
    return None
