"""Tokens and private prefixes, kept in the store at `_r2repo/access.json` (never served).

The Worker and `r2repo serve` read the same file (`routes.access`), so a change applies within
their cache TTL, with no redeploy. Writes are compare-and-swap, like InRelease: two operators
changing tokens at once both land. Only each token's SHA-256 is stored.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from publisher.core.statekeys import MARKER_KEY
from publisher.errors import R2repoError
from publisher.stores import PreconditionFailed, Store
from routes.access import (
    ACCESS_NAME,
    PUBLIC,
    RULES_REQUIRED_NAME,
    Access,
    AccessFileError,
    Token,
    normalise_prefix,
    parse_access,
    token_digest,
)
from routes.config import PRIVATE_PREFIX

ACCESS_KEY = PRIVATE_PREFIX + ACCESS_NAME
RULES_REQUIRED_KEY = PRIVATE_PREFIX + RULES_REQUIRED_NAME
RULES_REQUIRED_TEXT = (
    b"This repository has access rules (access.json beside this file). While that file is\n"
    b"missing or unreadable, the Worker and r2repo serve refuse every request (503).\n"
)
TOKEN_PREFIX = "r2r_"
ATTEMPTS = 8


def read_access(store: Store) -> tuple[Access, str | None]:
    """The current rules and the ETag to swap against (None: no file yet).

    A repository that once had rules and has lost the file is an error, not "no rules": the
    servers refuse every request then, and only `access reset` says the rules start empty.
    """
    found = store.get_with_info(ACCESS_KEY)
    if found is None:
        if store.head(RULES_REQUIRED_KEY) is not None:
            raise R2repoError(
                f"{store.url}/{ACCESS_KEY}: missing, though this repository has had access "
                "rules (every request is refused until it is back); restore the file, or run "
                "`r2repo access reset` to start again from no rules"
            )
        return PUBLIC, None
    data, info = found
    try:
        return parse_access(data), info.etag
    except AccessFileError as exc:
        raise R2repoError(f"{store.url}/{ACCESS_KEY}: {exc}") from None


def update_access(store: Store, change: Callable[[Access], Access]) -> Access:
    """Apply `change` to the stored rules with compare-and-swap, retrying when another won."""
    for _ in range(ATTEMPTS):
        current, etag = read_access(store)
        updated = change(current)
        if updated == current:
            return current
        if etag is None:
            mark_rules_required(store)
        try:
            if etag is None:
                store.put_bytes(ACCESS_KEY, updated.to_json(), if_none_match=True)
            else:
                store.put_bytes(ACCESS_KEY, updated.to_json(), if_match=etag)
        except PreconditionFailed:
            time.sleep(secrets.randbelow(200) / 1000)
            continue
        return updated
    raise R2repoError(f"{store.url}/{ACCESS_KEY}: changed by others {ATTEMPTS} times; try again")


def mark_rules_required(store: Store) -> None:
    """Written before the first rules file and never removed: from then on a missing rules
    file locks the repository instead of making it public."""
    if store.head(RULES_REQUIRED_KEY) is None:
        with contextlib.suppress(PreconditionFailed):  # another operator wrote it first
            store.put_bytes(RULES_REQUIRED_KEY, RULES_REQUIRED_TEXT, if_none_match=True)


def reset_access(store: Store) -> None:
    """The operator's word that the rules start again from none (after access.json was lost)."""
    mark_rules_required(store)
    found = store.get_with_info(ACCESS_KEY)
    if found is None:
        store.put_bytes(ACCESS_KEY, PUBLIC.to_json(), if_none_match=True)
    else:
        store.put_bytes(ACCESS_KEY, PUBLIC.to_json(), if_match=found[1].etag)


def where_rules_apply(store: Store) -> str:
    """Which server reads the rules at this store location (a server of a folder above it
    reads its own rules, not these, and would serve this folder's files to anyone), with a
    warning when a folder above already holds a repository that someone may be serving."""
    note = (
        f"rules at {store.url}/{ACCESS_KEY} apply where {store.url} is the served root "
        f"(r2repo serve --store {store.url}, or the Worker with SERVE_PREFIX set to this "
        "folder); a server of a folder above it ignores them"
    )
    enclosing = [above.url for above in store.ancestors() if above.head(MARKER_KEY) is not None]
    if enclosing:
        note += (
            f"\nwarning: {enclosing[0]} is a repository root too: a server of it reads "
            f"{enclosing[0]}/{ACCESS_KEY}, not these rules, and serves this folder's packages "
            "to anyone unless its own rules make this folder private"
        )
    return note


def _prefix(value: str) -> str:
    try:
        return normalise_prefix(value)
    except AccessFileError as exc:
        raise R2repoError(str(exc)) from None


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_token(
    store: Store, name: str, prefixes: Sequence[str], expires: float | None, now: float
) -> tuple[str, Token]:
    """A new token (returned once, stored as its SHA-256) that may read `prefixes`."""
    if expires is not None and expires <= now:
        raise R2repoError(f"--expires: {time.strftime('%Y-%m-%d', time.gmtime(expires))} is past")
    token = new_token()
    record = Token(name, token_digest(token), tuple(_prefix(p) for p in prefixes), now, expires)

    def add(access: Access) -> Access:
        if any(t.name == name for t in access.tokens):
            raise R2repoError(f"token {name!r}: already exists (revoke it first)")
        return replace(access, tokens=(*access.tokens, record))

    update_access(store, add)
    return token, record


def revoke_token(store: Store, name: str) -> None:
    def drop(access: Access) -> Access:
        if not any(t.name == name for t in access.tokens):
            raise R2repoError(f"token {name!r}: no such token")
        return replace(access, tokens=tuple(t for t in access.tokens if t.name != name))

    update_access(store, drop)


def set_rules(store: Store, private: Sequence[str], public: Sequence[str]) -> Access:
    """Mark prefixes private or public; the longest matching prefix decides for a path."""
    changes = {_prefix(p): True for p in private}
    for p in public:
        prefix = _prefix(p)
        if prefix in changes:
            raise R2repoError(f"prefix {p!r}: given as both --private and --public")
        changes[prefix] = False

    def apply(access: Access) -> Access:
        rules = dict(access.rules)
        for prefix, is_private in changes.items():
            if not is_private and prefix == "":
                rules.pop(prefix, None)  # public is what the root is without a rule
            else:
                rules[prefix] = is_private
        return replace(access, rules=rules)

    return update_access(store, apply)
