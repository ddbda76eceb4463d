"""From the raw request path to an object key, normalised once.

Rejected (answered 404, never 500, never a file outside the repository): a path not starting
with `/`, malformed percent escapes, `.` and `..` segments (before and after decoding), empty
segments, segments starting with `.` (hidden and temporary files), an encoded `/` inside a
segment, backslashes, control characters (NUL included), and any segment that names the
private folder (`_r2repo`), at any depth and in any case: a bucket can hold repositories in
sub-folders, each with its own rules and tokens.

The key is in NFC, as R2 stores it: the key that is checked is the key that is read.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

from routes.access import comparable

MAX_KEY_BYTES = 1024  # R2 and S3 refuse longer keys

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f\\/]")


class RejectedPath(ValueError):
    """The path can name no servable object."""


def _segment(raw: str) -> str:
    if "%" in raw:
        if _BAD_ESCAPE.search(raw):
            raise RejectedPath("malformed percent escape")
        try:
            raw = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            raise RejectedPath("not UTF-8") from None
    if raw[:1] == "." or _FORBIDDEN.search(raw):
        raise RejectedPath("forbidden segment")
    return raw


def to_key(path: str, private_prefix: str = "_r2repo/") -> str:
    """The object key (no leading `/`) for a raw path; a directory key is "" or ends with `/`."""
    if path[:1] != "/":
        raise RejectedPath("not an origin-form path")
    raws = path[1:].split("/")
    last = len(raws) - 1
    segments = []
    for i, raw in enumerate(raws):
        if not raw:
            if i == last:
                segments.append("")  # a trailing slash: a directory
                break
            raise RejectedPath("empty segment")
        segments.append(_segment(raw))
    key = "/".join(segments)
    if not key.isascii():
        key = unicodedata.normalize("NFC", key)
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise RejectedPath("key too long")
    private = comparable(private_prefix.strip("/"))
    if any(comparable(segment) == private for segment in key.split("/")):
        raise RejectedPath("private")
    return key


def is_directory(key: str) -> bool:
    return key == "" or key.endswith("/")
