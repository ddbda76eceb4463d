"""Each package's XML as it stands in the stored primary, filelists and other.xml.

A package's entry depends on nothing but the package, so adding one package to a big root
must not render every entry again with createrepo_c's `add_pkg` to write the same bytes. The
entries read back here, by pkgId, are given to `XmlFile.add_chunk` as they are; a package
without a chunk in all three files is dumped again.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Mapping

# kind -> pkgId -> the package's XML, from "<package" to "</package>\n" inclusive.
Chunks = dict[str, dict[str, str]]

END = "</package>\n"
PRIMARY_ID = 'pkgid="YES">'  # primary: <checksum type="sha256" pkgid="YES">HEX</checksum>
OTHER_ID = '<package pkgid="'  # filelists, other: <package pkgid="HEX" name=... arch=...>
STARTS = {"primary": '<package type="rpm">', "filelists": OTHER_ID, "other": OTHER_ID}


def _pkgid(kind: str, chunk: str) -> str | None:
    if kind == "primary":
        start = chunk.find(PRIMARY_ID)
        if start == -1:
            return None
        start += len(PRIMARY_ID)
        end = chunk.find("<", start)
    else:
        start = len(OTHER_ID) if chunk.startswith(OTHER_ID) else -1
        end = chunk.find('"', start)
    if start == -1 or end == -1:
        return None
    # Only looked up by the pkgId of a package parsed from the same file: anything else in
    # there never matches.
    return chunk[start:end] or None


def split_chunks(kind: str, text: str) -> dict[str, str]:
    """pkgId -> XML of every package in one decompressed metadata file; a pkgId seen twice is
    left out (which entry is whose would be a guess)."""
    start = STARTS[kind]
    found: dict[str, str] = {}
    twice: set[str] = set()
    position = text.find(start)
    while position != -1:
        end = text.find(END, position)
        if end == -1:
            break
        end += len(END)
        chunk = text[position:end]
        pkgid = _pkgid(kind, chunk)
        if pkgid is not None:
            if pkgid in found:
                twice.add(pkgid)
            found[pkgid] = chunk
        position = text.find(start, end)
    for pkgid in twice:
        del found[pkgid]
    return found


def read_chunks(files: Mapping[str, tuple[str, bytes]]) -> Chunks:
    """Chunks of each kind from its stored file (href, bytes); none for a kind that is not
    gzip (r2repo writes gzip; another tool's xz or zstd is simply dumped again)."""
    chunks: Chunks = {}
    for kind, (href, data) in files.items():
        if not href.endswith(".gz"):
            continue
        try:
            text = gzip.decompress(data).decode("utf-8")
        except (OSError, EOFError, zlib.error, UnicodeDecodeError):
            continue
        chunks[kind] = split_chunks(kind, text)
    return chunks
