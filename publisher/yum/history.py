"""An RPM root's history (publisher/core/history.py): each entry is a repodata file of its own,
`repodata/<sha256>-r2repo-history.json`, listed in the repomd.xml it describes under
HISTORY_TYPE (which dnf, yum and zypper ignore, like the gc record's type), so it goes live in
the same compare-and-swap as the state.

An entry names its state's primary, filelists and other.xml (the repomd.xml that lists the entry
cannot be in it); with those files and the packages they name, that is the whole state. gc never
collects an entry (is_history_file).
"""

from __future__ import annotations

import gzip
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from io import BytesIO

from publisher.core.history import HistoryEntry, parse_entry, render_entry, walk, who
from publisher.core.outcome import Outcome
from publisher.stores import Store
from publisher.yum.gcrecord import root_references
from publisher.yum.state import RpmRootState

HISTORY_TYPE = "r2repo-history"
_SUFFIX = f"-{HISTORY_TYPE}.json"
_LOCATION = "{http://linux.duke.edu/metadata/common}location"


def entry_href(entry_id: str) -> str:
    return f"repodata/{entry_id}{_SUFFIX}"


def is_history_file(key: str) -> bool:
    return key.endswith(_SUFFIX) and "repodata/" in key


def head(state: RpmRootState) -> str | None:
    """The id of the entry of the root's current state: its file's sha256, as repomd.xml says."""
    return next((f.checksum for f in state.repodata if f.type == HISTORY_TYPE), None)


def load_entry(store: Store, root: str, entry_id: str) -> HistoryEntry | None:
    return parse_entry(entry_id, store.get_bytes(f"{root}/{entry_href(entry_id)}"))


def root_history(
    store: Store, state: RpmRootState, limit: int | None = None
) -> Iterator[HistoryEntry]:
    """The root's entries, newest first."""
    return walk(lambda entry_id: load_entry(store, state.root, entry_id), head(state), limit)


def entry_maker(
    state: RpmRootState, outcome: Outcome, when: float, rollback_to: str | None = None
) -> Callable[[list[str]], bytes]:
    """The entry of a commit from `state`, given the hrefs of the new metadata files; everything
    else is taken now (the metadata may be rendered in a child process)."""
    by, previous = who(), head(state)
    added, removed = list(outcome.added), list(outcome.removed)

    def entry(hrefs: list[str]) -> bytes:
        return render_entry(when, by, previous, {"repodata": hrefs}, added, removed, rollback_to)

    return entry


def metadata_kind(href: str) -> str:
    """`primary` of `repodata/<sha256>-primary.xml.gz`."""
    return href.rsplit("/", 1)[-1].split("-", 1)[-1].split(".", 1)[0]


def entry_hrefs(entry: HistoryEntry) -> list[str]:
    return [str(href) for href in entry.state.get("repodata", [])]


def package_hrefs(primary_gz: bytes) -> list[str]:
    """Every package's location in a primary.xml.gz, without parsing the packages."""
    hrefs = []
    try:
        with gzip.open(BytesIO(primary_gz)) as text:
            for _, element in ElementTree.iterparse(text):
                if element.tag == _LOCATION and element.get("href"):
                    hrefs.append(element.attrib["href"])
                element.clear()
    except (OSError, EOFError, ElementTree.ParseError):
        return []  # damaged: nothing of it to keep (a rollback to it is refused on its own)
    return hrefs


def state_keys(store: Store, root: str, entry: HistoryEntry) -> set[str]:
    """Every key the entry's state needs, as far as its primary.xml is still there to say."""
    hrefs = entry_hrefs(entry)
    packages: list[str] = []
    for href in hrefs:
        if metadata_kind(href) == "primary":
            data = store.get_bytes(f"{root}/{href}")
            packages = package_hrefs(data) if data is not None else []
    return root_references(root, hrefs, packages)
