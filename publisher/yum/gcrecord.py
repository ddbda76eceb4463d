"""What an RPM root references, and its gc record: the RPM side of publisher/core/gcrecord.py.

The record (same format as a dist's) is a repodata file of its own, `<sha256>-r2repo-unreferenced
.json`, listed in repomd.xml under the type RECORD_TYPE, which dnf, yum and zypper ignore. It is
uploaded with the other content-addressed files and goes live with repomd.xml, in the same
compare-and-swap: a killed or losing commit leaves only an orphan file no repomd.xml names.
"""

from __future__ import annotations

from collections.abc import Iterable

from publisher.core.gcrecord import parse_record
from publisher.stores import Store
from publisher.yum.state import RpmRootState, repomd_key

# Entry points of a root; gc keeps them always (they are replaced, never orphaned).
ENTRY_NAMES = ("repodata/repomd.xml", "repodata/repomd.xml.asc", "repodata/repomd.xml.key")
# What gc looks at inside a root: the .repo file and anything else there is left alone.
MANAGED_DIRECTORIES = ("repodata/", "Packages/")


def signature_key(root: str) -> str:
    return repomd_key(root) + ".asc"


def root_references(
    root: str, repodata_hrefs: Iterable[str], package_hrefs: Iterable[str]
) -> set[str]:
    """Every key one state of a root needs: entry points, repodata files, packages."""
    keys = {f"{root}/{name}" for name in ENTRY_NAMES}
    keys.update(f"{root}/{href}" for href in repodata_hrefs)
    keys.update(f"{root}/{href}" for href in package_hrefs)
    return keys


def state_references(state: RpmRootState) -> set[str]:
    return root_references(
        state.root,
        (f.href for f in state.repodata),
        (package.location_href for package in state.packages.values()),
    )


def load_root_record(store: Store, state: RpmRootState) -> dict[str, float]:
    href = state.record_href
    return parse_record(store.get_bytes(f"{state.root}/{href}")) if href else {}
