"""`r2repo verify`: does every published byte match what signs for it? (RPM: yum/verify.py)

Problems are what breaks a client: a bad signature, an index missing or wrong by hash, a package
missing or of other size or digests than its index says. Notes are the leftovers of a commit in
progress or interrupted (plain indexes, Release / Release.gpg behind InRelease): apt never reads
them, the next publish rewrites them; `--strict` counts them as problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from publisher.apt.gcrecord import record_key
from publisher.apt.paths import by_hash_key, dist_prefix
from publisher.apt.releasehashes import BY_HASH, RELEASE_HASHES
from publisher.apt.repair import unfinished
from publisher.apt.state import DistState, read_dist
from publisher.core.marker import check_repository
from publisher.hashing import Digests, digest_bytes, digest_stream
from publisher.ops.listing import dist_names, rpm_roots
from publisher.signing.verify import SignatureChecker
from publisher.stores import Store
from publisher.yum.verify import RpmRootCheck

PACKAGE_DIGESTS = (("MD5sum", "md5"), ("SHA1", "sha1"), ("SHA256", "sha256"), ("SHA512", "sha512"))


@dataclass
class VerifyReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked_files: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Expected:
    """What an index says about one object."""

    key: str
    size: int
    digests: tuple[tuple[str, str, str], ...]  # (field name, Digests attribute, value)
    source: str  # who says so, for the message


def _compare(expected: Expected, actual: Digests | None) -> list[str]:
    if actual is None:
        return [f"{expected.key}: missing (listed in {expected.source})"]
    if actual.size != expected.size:
        return [f"{expected.key}: {actual.size} bytes, {expected.source} says {expected.size}"]
    return [
        f"{expected.key}: {name} {getattr(actual, attr)}, {expected.source} says {value}"
        for name, attr, value in expected.digests
        if getattr(actual, attr) != value.lower()
    ]


def _digest_object(store: Store, key: str) -> Digests | None:
    try:
        with store.open_read(key) as stream:
            return digest_stream(stream)
    except FileNotFoundError:
        return None


def check_objects(store: Store, expected: Iterable[Expected], workers: int) -> list[str]:
    """Read each object once, in parallel, and compare it with every claim about it."""
    items = list(expected)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda item: _compare(item, _digest_object(store, item.key)), items)
        return [line for lines in results for line in lines]


class _DistVerifier:
    def __init__(self, store: Store, checker: SignatureChecker, report: VerifyReport) -> None:
        self.store = store
        self.checker = checker
        self.report = report

    def signatures(self, state: DistState, inrelease: bytes) -> None:
        prefix = dist_prefix(state.dist)
        reason = self.checker.clearsigned(inrelease)
        if reason:
            self.report.problems.append(f"{prefix}InRelease: bad signature ({reason})")
        release = self.store.get_bytes(prefix + "Release")
        signature = self.store.get_bytes(prefix + "Release.gpg")
        behind = unfinished(self.store, state)
        self.report.notes += [
            f"{line} (a publish is running or was interrupted)" for line in behind
        ]
        if release is None or signature is None:
            missing = "Release" if release is None else "Release.gpg"
            self.report.problems.append(f"{prefix}{missing}: missing")
            return
        reason = self.checker.detached(signature, release)
        if reason:
            line = f"{prefix}Release.gpg: bad signature of Release ({reason})"
            # Release.gpg is written before Release: both behind InRelease is an interrupted
            # commit, a bad pair matching InRelease is damage.
            interrupted = any(item.startswith(f"{prefix}Release:") for item in behind)
            (self.report.notes if interrupted else self.report.problems).append(line)

    def expected(self, state: DistState) -> tuple[list[Expected], list[Expected]]:
        prefix = dist_prefix(state.dist)
        indexes: list[Expected] = []
        for path, entry in state.index_files.items():
            digests = tuple(
                (h.field, h.attribute, entry.digests[h.field])
                for h in RELEASE_HASHES
                if h.field in entry.digests
            )
            if BY_HASH.field in entry.digests:
                key = by_hash_key(state.dist, path, entry.digests)
                indexes.append(Expected(key, entry.size, digests, f"{prefix}InRelease"))
            else:
                missing = f"{prefix}InRelease: lists no {BY_HASH.field} of {path}"
                self.report.problems.append(missing)
        packages: list[Expected] = []
        for component, entries in sorted(state.components.items()):
            for stanza in entries.values():
                digests = tuple(
                    (name, attr, stanza[name]) for name, attr in PACKAGE_DIGESTS if name in stanza
                )
                source = f"{prefix}{component} Packages"
                packages.append(Expected(stanza["Filename"], int(stanza["Size"]), digests, source))
        return indexes, packages

    def record(self, state: DistState) -> None:
        if not state.record_sha256:
            return
        key = record_key(state.dist, state.record_sha256)
        data = self.store.get_bytes(key)
        if data is None or digest_bytes(data).sha256 != state.record_sha256:
            self.report.problems.append(f"{key}: missing or damaged (named by its Release)")


def _merge_packages(claims: list[Expected], report: VerifyReport) -> list[Expected]:
    """One check per file; two indexes that disagree about a file are a problem themselves."""
    by_key: dict[str, Expected] = {}
    for claim in claims:
        first = by_key.setdefault(claim.key, claim)
        if first.size != claim.size or dict((n, v) for n, _, v in first.digests) != dict(
            (n, v) for n, _, v in claim.digests
        ):
            report.problems.append(
                f"{claim.key}: {claim.source} and {first.source} list other sizes or digests"
            )
    return list(by_key.values())


def verify(
    store: Store,
    keyring: bytes | None = None,
    *,
    workers: int | None = None,
    say: Callable[[str], None] = lambda message: None,
) -> VerifyReport:
    """Check every dist and RPM root; the keyring defaults to the store's own key.gpg."""
    check_repository(store, writing=False)
    report = VerifyReport()
    # Hashing runs outside the GIL: a store that uploads on one thread still reads on several.
    count = workers or max(4, store.upload_workers)
    keys = keyring if keyring is not None else store.get_bytes("key.gpg")
    if not keys:
        report.problems.append("key.gpg: missing (give the public keys with --keyring)")
        return report
    with SignatureChecker(keys) as checker:
        verifier = _DistVerifier(store, checker, report)
        indexes: list[Expected] = []
        packages: list[Expected] = []
        for dist in dist_names(store):
            found = store.get_with_info(dist_prefix(dist) + "InRelease")
            if found is None:
                continue  # removed while we listed
            state = read_dist(store, dist)
            say(f"verifying {dist_prefix(dist)}")
            verifier.signatures(state, found[0])
            verifier.record(state)
            report.problems += [
                f"{key}: missing (listed in its InRelease)" for key in state.missing
            ]
            dist_indexes, dist_packages = verifier.expected(state)
            indexes += dist_indexes
            packages += dist_packages
        for root in rpm_roots(store):
            say(f"verifying {root}/")
            check = RpmRootCheck(store, root, checker)
            check.run()
            report.problems += check.problems
            indexes += [Expected(*item) for item in check.repodata]
            packages += [Expected(*item) for item in check.packages]
        unique = _merge_packages(packages, report)
        report.problems += check_objects(store, indexes, count)
        report.problems += check_objects(store, unique, count)
        report.checked_files = len(indexes) + len(unique)
    return report
