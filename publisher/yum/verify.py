"""`r2repo verify` for an RPM root: repomd.xml.asc, every repodata file, every package.

What a client with repo_gpgcheck checks, and more: the signature of repomd.xml, each repodata
file's size and checksum (and the checksum of its decompressed bytes) against repomd.xml, and
each package's size and checksum against primary, and where a .repo file of the root says
gpgcheck=1, each package's own signature (what dnf then checks before it installs).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections.abc import Callable

from publisher.hashing import digest_bytes
from publisher.signing.verify import SignatureChecker
from publisher.stores import Store
from publisher.yum.repair import signature_behind
from publisher.yum.repofile import RepoFile
from publisher.yum.rpmsig import MISSING, stored_signature_problem
from publisher.yum.state import RepodataFile, RpmRootState, read_rpm_root, repomd_key

# createrepo_c's checksum names -> the Digests attribute holding that digest.
CHECKSUM_ATTRS = {
    "md5": "md5",
    "sha": "sha1",
    "sha1": "sha1",
    "sha256": "sha256",
    "sha512": "sha512",
}
DECOMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.decompress,
    ".xz": lzma.decompress,
    ".bz2": bz2.decompress,
}


def digests_of(checksum_type: str, value: str) -> tuple[tuple[str, str, str], ...]:
    attr = CHECKSUM_ATTRS.get(checksum_type.lower())
    return ((checksum_type, attr, value),) if attr else ()


def open_checksum_problem(store: Store, key: str, entry: RepodataFile) -> str | None:
    """The decompressed bytes against repomd.xml's open-size and open-checksum."""
    if entry.open_checksum is None:
        return None
    suffix = "." + key.rsplit(".", 1)[-1]
    decompress = DECOMPRESSORS.get(suffix)
    data = store.get_bytes(key)
    if decompress is None or data is None:
        return None  # a missing file is reported by the size check
    try:
        opened = decompress(data)
    except (OSError, EOFError, lzma.LZMAError, ValueError) as error:
        return f"{key}: does not decompress ({error})"
    if entry.open_size is not None and len(opened) != entry.open_size:
        return f"{key}: {len(opened)} bytes decompressed, repomd.xml says {entry.open_size}"
    attr = CHECKSUM_ATTRS.get(entry.checksum_type.lower())
    actual = getattr(digest_bytes(opened), attr) if attr else None
    if actual is not None and actual != entry.open_checksum.lower():
        return f"{key}: open-checksum {actual}, repomd.xml says {entry.open_checksum}"
    return None


class RpmRootCheck:
    """The problems of one root, and the objects to check against what its metadata says."""

    def __init__(self, store: Store, root: str, checker: SignatureChecker) -> None:
        self.store = store
        self.root = root
        self.checker = checker
        self.problems: list[str] = []
        # (key, size, digests, source), the shape of verify.Expected
        self.repodata: list[tuple[str, int, tuple[tuple[str, str, str], ...], str]] = []
        self.packages: list[tuple[str, int, tuple[tuple[str, str, str], ...], str]] = []

    def run(self) -> None:
        try:
            state = read_rpm_root(self.store, self.root, packages=False)
        except Exception as error:  # noqa: BLE001 - createrepo_c raises its own error types
            self.problems.append(f"{repomd_key(self.root)}: unreadable ({error})")
            return
        if not state.exists:
            return  # removed while we listed
        behind = signature_behind(self.store, state, self.checker)
        if behind:
            self.problems.append(behind)
        self._repodata(state)
        try:
            state = read_rpm_root(self.store, self.root)
        except FileNotFoundError:
            return  # the repodata check reports the missing file
        except Exception as error:  # noqa: BLE001 - createrepo_c raises its own error types
            self.problems.append(f"{self.root}: package metadata unreadable ({error})")
            return
        self._packages(state)
        self._package_signatures(state)

    def _repodata(self, state: RpmRootState) -> None:
        source = repomd_key(self.root)
        for entry in state.repodata:
            key = f"{self.root}/{entry.href}"
            digests = digests_of(entry.checksum_type, entry.checksum)
            self.repodata.append((key, entry.size, digests, source))
            problem = open_checksum_problem(self.store, key, entry)
            if problem:
                self.problems.append(problem)

    def _packages(self, state: RpmRootState) -> None:
        source = f"{self.root} primary"
        for package in state.packages.values():
            key = f"{self.root}/{package.location_href}"
            digests = digests_of(package.checksum_type or "", package.pkgId or "")
            self.packages.append((key, int(package.size_package), digests, source))

    def _gpgcheck_files(self) -> list[str]:
        """The root's .repo files (beside repodata/) that promise signed packages."""
        depth = self.root.count("/") + 1
        found = []
        for info in self.store.list(f"{self.root}/"):
            if info.key.count("/") != depth or not info.key.endswith(".repo"):
                continue
            repo_id = info.key.rsplit("/", 1)[1].removesuffix(".repo")
            data = self.store.get_bytes(info.key)
            parsed = RepoFile.parse(data, repo_id, self.root) if data else None
            if parsed is not None and parsed.gpgcheck:
                found.append(info.key)
        return found

    def _package_signatures(self, state: RpmRootState) -> None:
        promises = self._gpgcheck_files()
        if not promises:
            return
        for package in state.packages.values():
            key = f"{self.root}/{package.location_href}"
            problem = stored_signature_problem(self.store, self.root, package, self.checker)
            if problem and problem != MISSING:  # the size check reports a missing package
                self.problems.append(f"{key}: {problem}, and {promises[0]} says gpgcheck=1")
