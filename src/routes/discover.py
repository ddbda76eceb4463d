"""What the bucket holds, for the landing page: APT dists, RPM roots, signing keys.

Read from the repository itself (dists/*/Release, */repodata/repomd.xml, key.gpg), so the setup
instructions are always those of what is published. Bounded: a few list and read calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routes.access import Decision
from routes.bucket import Bucket
from routes.openpgp import PublicKey, public_keys
from routes.snippets import YumRepo, parse_yum_repo

MAX_RPM_CANDIDATES = 24  # folders probed for dists/ and repodata/ below the root
_NOT_RPM = frozenset({"dists/", "pool/", "repodata/", "by-hash/"})


@dataclass(slots=True)
class AptDist:
    name: str  # the directory under dists/, what apt's Suites: names
    root: str  # "" or "private/": where dists/ and pool/ are
    components: list[str]
    architectures: list[str]
    description: str = ""
    private: bool = False

    @property
    def label(self) -> str:
        """Unique on the page: the root's folders and the dist, joined by `-`."""
        return "-".join([*self.root.strip("/").split("/"), self.name]).strip("-")


@dataclass(slots=True)
class RpmRoot:
    path: str  # "" or "rpm/" or "rpm/el9/": where repodata/ is
    key_path: str  # the public key dnf and zypper import
    private: bool = False
    repo: YumRepo | None = None  # what the publisher's `.repo` file there says


@dataclass(slots=True)
class RepositoryInfo:
    dists: list[AptDist] = field(default_factory=list)
    rpm_roots: list[RpmRoot] = field(default_factory=list)
    keys: list[PublicKey] = field(default_factory=list)
    key_files: list[str] = field(default_factory=list)  # key.asc / key.gpg present at the root
    private: bool = False  # anything shown needs a token


def release_fields(text: str) -> dict[str, str]:
    """The first stanza of a Release or InRelease file (signature armor skipped)."""
    fields: dict[str, str] = {}
    last = None
    for line in text.splitlines():
        if line.startswith("-----BEGIN PGP SIGNED") or line.startswith("Hash:"):
            continue
        if not line.strip():
            if fields:
                break
            continue
        if line[0] in " \t":
            if last is not None:
                fields[last] += "\n" + line.strip()
            continue
        name, sep, value = line.partition(":")
        if sep:
            last = name.strip()
            fields[last] = value.strip()
    return fields


async def _dists(bucket: Bucket, decision: Decision, root: str) -> list[AptDist]:
    dists: list[AptDist] = []
    if not decision.may_read(root + "dists/"):
        return dists
    listing = await bucket.list(root + "dists/", "/", None)
    for prefix in listing.prefixes:
        if not decision.may_read(prefix):
            continue
        data = await bucket.read(prefix + "Release") or await bucket.read(prefix + "InRelease")
        if data is None:
            continue
        fields = release_fields(data.decode("utf-8", "replace"))
        dists.append(
            AptDist(
                name=prefix[len(root + "dists/") : -1],
                root=root,
                components=fields.get("Components", "main").split(),
                architectures=fields.get("Architectures", "").split(),
                description=fields.get("Description", ""),
                private=decision.access.is_private(prefix),
            )
        )
    return dists


async def _rpm_root(bucket: Bucket, path: str, decision: Decision) -> RpmRoot | None:
    if not decision.may_read(path + "repodata/repomd.xml"):
        return None
    if await bucket.head(path + "repodata/repomd.xml") is None:
        return None
    key_path = "key.asc"
    if await bucket.head(path + "repodata/repomd.xml.key") is not None:
        key_path = path + "repodata/repomd.xml.key"
    root = RpmRoot(path, key_path, decision.access.is_private(path or "repodata/"))
    # The publisher's `.repo` file (repo id, gpgcheck): the page shows the same repository.
    listing = await bucket.list(path, "/", None)
    for meta in sorted(listing.objects, key=lambda m: m.key):
        if meta.key.endswith(".repo") and decision.may_read(meta.key):
            repo = parse_yum_repo(await bucket.read(meta.key) or b"", path)
            if repo is not None:
                root.repo = repo
                break
    return root


async def _roots(bucket: Bucket, decision: Decision, hidden: str, info: RepositoryInfo) -> None:
    """APT roots at the top and one folder down; RPM roots down to two folders."""
    root = await _rpm_root(bucket, "", decision)
    if root is not None:
        info.rpm_roots.append(root)
    info.dists.extend(await _dists(bucket, decision, ""))
    top = await bucket.list("", "/", None)
    candidates = [p for p in top.prefixes if p not in _NOT_RPM and p != hidden and p[0] != "."]
    probed = 0
    roots = info.rpm_roots
    for prefix in candidates:
        if probed >= MAX_RPM_CANDIDATES:
            break
        probed += 1
        info.dists.extend(await _dists(bucket, decision, prefix))
        found = await _rpm_root(bucket, prefix, decision)
        if found is not None:
            roots.append(found)
            continue
        if not decision.may_read(prefix):
            continue
        below = await bucket.list(prefix, "/", None)
        for child in below.prefixes:
            if probed >= MAX_RPM_CANDIDATES:
                break
            if child[len(prefix) :] in _NOT_RPM or child[len(prefix)] == ".":
                continue
            probed += 1
            found = await _rpm_root(bucket, child, decision)
            if found is not None:
                roots.append(found)


async def discover(bucket: Bucket, decision: Decision, hidden_prefix: str) -> RepositoryInfo:
    info = RepositoryInfo()
    for name in ("key.asc", "key.gpg"):
        if decision.may_read(name) and await bucket.head(name) is not None:
            info.key_files.append(name)
    if "key.gpg" in info.key_files:
        info.keys = public_keys(await bucket.read("key.gpg") or b"")
    elif "key.asc" in info.key_files:
        info.keys = public_keys(await bucket.read("key.asc") or b"")
    await _roots(bucket, decision, hidden_prefix, info)
    info.private = any(d.private for d in info.dists) or any(r.private for r in info.rpm_roots)
    return info
