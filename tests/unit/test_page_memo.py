"""routes.memo: the landing page kept per viewer scope and origin, for `entry_ttl` seconds."""

from __future__ import annotations

import asyncio

from routes import Listing, ObjectMeta, Request, RouteConfig, handle
from routes.access import Access, Decision, Token
from routes.memo import MAX_ENTRIES, PageMemo, page_key

RELEASE = b"Suite: {0}\nCodename: {0}\nComponents: main\nArchitectures: amd64\n"
FILES = {
    "dists/stable/Release": RELEASE.replace(b"{0}", b"stable"),
    "private/dists/internal/Release": RELEASE.replace(b"{0}", b"internal"),
}
ACCESS = Access({"private": True}, (Token("ci", "0" * 64, ("private",)),))
CONFIG = RouteConfig(entry_ttl=60)


class ListingBucket:
    """Files in memory with real prefix listings; counts every call the page makes."""

    def __init__(self) -> None:
        self.files = dict(FILES)
        self.calls = 0

    def _meta(self, key: str) -> ObjectMeta:
        return ObjectMeta(key, len(self.files[key]), '"e"', 1_700_000_000.0)

    async def head(self, key: str) -> ObjectMeta | None:
        self.calls += 1
        return self._meta(key) if key in self.files else None

    async def get(self, key, byte_range, conditions):  # noqa: ANN001, ANN201 - unused here
        raise AssertionError("a page reads, never gets")

    async def read(self, key: str) -> bytes | None:
        self.calls += 1
        return self.files.get(key)

    async def list(self, prefix: str, delimiter: str | None, cursor: str | None) -> Listing:
        self.calls += 1
        below = [k for k in sorted(self.files) if k.startswith(prefix)]
        folders = sorted(
            {
                prefix + k[len(prefix) :].split("/")[0] + "/"
                for k in below
                if "/" in k[len(prefix) :]
            }
        )
        return Listing([self._meta(k) for k in below if "/" not in k[len(prefix) :]], folders)


def decision(token: Token | None, access: Access = ACCESS) -> Decision:
    return Decision(None, False, token, access)


def landing(bucket: ListingBucket, memo: PageMemo, seen: Decision, base: str = "https://a") -> str:
    request = Request("GET", "/", "", {}, origin=base)
    response = asyncio.run(handle(request, bucket, CONFIG, seen, memo))
    assert response.status == 200
    return response.body.decode()  # type: ignore[union-attr]


def test_a_warm_page_makes_no_bucket_call() -> None:
    bucket, memo = ListingBucket(), PageMemo()
    first = landing(bucket, memo, decision(None))
    calls = bucket.calls
    assert calls > 0
    assert landing(bucket, memo, decision(None)) == first
    assert bucket.calls == calls


def test_private_content_stays_with_its_scope() -> None:
    bucket, memo = ListingBucket(), PageMemo()
    token = ACCESS.tokens[0]
    with_token = landing(bucket, memo, decision(token))
    assert "internal" in with_token
    public = landing(bucket, memo, decision(None))
    assert "internal" not in public
    assert "internal" in landing(bucket, memo, decision(token))
    # Another token of the same scope sees the same page; the public still does not.
    other = Token("other", "1" * 64, ("private",))
    assert landing(bucket, memo, decision(other)) == with_token
    assert "internal" not in landing(bucket, memo, decision(None))


def test_key_holds_origin_scope_and_privacy() -> None:
    token = ACCESS.tokens[0]
    public = page_key(decision(None), CONFIG, "https://a")
    assert public == page_key(decision(None), CONFIG, "https://a")
    assert public != page_key(decision(None), CONFIG, "https://b")
    assert public != page_key(decision(token), CONFIG, "https://a")
    assert public != page_key(Decision(None, True, None, ACCESS), CONFIG, "https://a")
    assert public != page_key(decision(None), RouteConfig(name="other"), "https://a")


def test_expiry_and_changed_rules() -> None:
    memo, key = PageMemo(), page_key(decision(None), CONFIG, "https://a")
    memo.put(key, ACCESS, "<page>", now=100.0, ttl=60)
    assert memo.get(key, ACCESS, 159.9) == "<page>"
    assert memo.get(key, ACCESS, 160.0) is None
    # The same rules read again are equal: still a hit; other rules: a miss.
    reread = Access({"private": True}, ACCESS.tokens)
    assert memo.get(key, reread, 120.0) == "<page>"
    assert memo.get(key, Access({}, ACCESS.tokens), 120.0) is None
    memo.put(key, ACCESS, "<page>", now=100.0, ttl=0)  # ENTRY_TTL 0: nothing kept anew
    fresh = PageMemo()
    fresh.put(key, ACCESS, "<page>", now=100.0, ttl=0)
    assert fresh.get(key, ACCESS, 100.0) is None


def test_bounded() -> None:
    memo = PageMemo()
    for n in range(MAX_ENTRIES + 5):
        memo.put(("k", n), ACCESS, str(n), now=0.0, ttl=60)
    assert memo.get(("k", 0), ACCESS, 1.0) is None
    assert memo.get(("k", MAX_ENTRIES + 4), ACCESS, 1.0) == str(MAX_ENTRIES + 4)


def test_without_a_memo_every_page_is_rendered() -> None:
    bucket = ListingBucket()
    request = Request("GET", "/", "", {}, origin="https://a")
    asyncio.run(handle(request, bucket, CONFIG, decision(None)))
    calls = bucket.calls
    asyncio.run(handle(request, bucket, CONFIG, decision(None)))
    assert bucket.calls == 2 * calls
