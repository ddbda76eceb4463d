"""The Cloudflare Python Worker: an R2 bucket filled by `r2repo publish`, served by `routes`.

The only module that imports `js`, `pyodide` or `workers`. It turns the JS request into a
`routes.Request`, lets `routes` decide (auth, status, headers), and turns the `routes.Response`
into a JS Response whose body is the R2 object's stream, untouched. In front of that sits the
edge cache (`caches.default`), consulted only after the auth check.

The entry point is `Default`, the `WorkerEntrypoint` class of the `workers` SDK vendored in
python_modules/ (the runtime of compatibility date 2026-04-26 calls nothing else).
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from urllib.parse import urlsplit

from js import Date, Headers, Object, Uint8Array, caches
from js import Request as JsRequest
from js import Response as JsResponse
from pyodide.ffi import JsException, create_proxy, to_js
from workers import WorkerEntrypoint

from routes import (
    ByteRange,
    Conditions,
    Listing,
    ObjectMeta,
    RangeNotSatisfiable,
    Request,
    Response,
    RouteConfig,
    StoredObject,
    handle,
)
from routes.access import AccessCache, Decision
from routes.conditional import parse_http_date, single_tag
from routes.edge import (
    cache_key,
    may_look_up,
    served_cache_control,
    should_store,
    stored_cache_control,
)
from routes.handler import gate, request_key, requested_range
from routes.memo import PageMemo
from routes.mount import mount

R2_RANGE_NOT_SATISFIABLE = "10039"
LIST_LIMIT = 1000
CACHE_STATUS = "x-r2repo-cache"
# Only these request headers, and the one range routes reads, reach the cache lookup: the
# conditions the Cache API evaluates.
_LOOKUP_HEADERS = ("if-none-match", "if-modified-since")


def _absent(value: object) -> bool:
    """None, JS null and JS undefined alike (no call into JS: this runs several times a request)."""
    return value is None or type(value).__name__ in ("JsNull", "JsUndefined")


def _js(value: dict) -> object:
    return to_js(value, dict_converter=Object.fromEntries)


# ---------------------------------------------------------------------------- R2 mapping


def r2_get_options(byte_range: ByteRange | None, conditions: Conditions) -> dict:
    """R2 `get` options from the parsed request: `range`, and `onlyIf` with dates in ms.

    Only the conditions RFC 9110 evaluates are sent (If-Match hides If-Unmodified-Since,
    If-None-Match hides If-Modified-Since). R2 compares upload times to the millisecond, HTTP
    dates have seconds: "modified" means uploaded later than the date itself, as in `routes`.
    R2 takes one ETag per condition, unquoted (a quoted one throws: a second, unconditional
    get would follow); a field it cannot take (a list, a weak tag for If-Match) is left out,
    with the date it hides, and `routes` evaluates it on what R2 sends.
    """
    options: dict = {}
    if byte_range is not None:
        if byte_range.suffix is not None:
            options["range"] = {"suffix": byte_range.suffix}
        else:
            span = {"offset": byte_range.offset or 0}
            if byte_range.length is not None:
                span["length"] = byte_range.length
            options["range"] = span
    only_if: dict = {}
    if conditions.if_match is not None:
        tag = single_tag(conditions.if_match, weak_comparison=False)
        if tag is not None:
            only_if["etagMatches"] = tag
    elif conditions.if_unmodified_since is not None:
        since = parse_http_date(conditions.if_unmodified_since)
        if since is not None:  # passes while uploaded <= since
            only_if["uploadedBefore"] = since * 1000 + 1
    if conditions.if_none_match is not None:
        tag = single_tag(conditions.if_none_match, weak_comparison=True)
        if tag is not None:
            only_if["etagDoesNotMatch"] = tag
    elif conditions.if_modified_since is not None:
        since = parse_http_date(conditions.if_modified_since)
        if since is not None:
            only_if["uploadedAfter"] = since * 1000
    if only_if:
        options["onlyIf"] = only_if
    return options


def _js_get_options(options: dict) -> object:
    only_if = options.get("onlyIf")
    if only_if:
        options = {
            **options,
            "onlyIf": {
                name: Date.new(value) if name.startswith("uploaded") else value
                for name, value in only_if.items()
            },
        }
    return _js(options)


def is_range_error(exc: BaseException) -> bool:
    """R2 throws for a range that starts beyond the object (error 10039)."""
    return R2_RANGE_NOT_SATISFIABLE in str(exc)


def meta_of(obj: object) -> ObjectMeta:
    """routes' view of an R2Object (its strong ETag is `httpEtag`, quoted)."""
    uploaded = obj.uploaded  # type: ignore[attr-defined]
    return ObjectMeta(
        key=str(obj.key),  # type: ignore[attr-defined]
        size=int(obj.size),  # type: ignore[attr-defined]
        etag=str(obj.httpEtag),  # type: ignore[attr-defined]
        last_modified=float(uploaded.getTime()) / 1000,
    )


def body_of(obj: object) -> object | None:
    """The R2ObjectBody's stream, None for an R2Object (R2 refused a precondition)."""
    try:
        body = obj.body  # type: ignore[attr-defined]
    except AttributeError:
        return None
    return None if _absent(body) else body


class R2Bucket:
    """routes' Bucket over an R2 binding."""

    def __init__(self, binding: object) -> None:
        self.binding = binding

    async def get(
        self, key: str, byte_range: ByteRange | None, conditions: Conditions
    ) -> StoredObject | None:
        options = r2_get_options(byte_range, conditions)
        try:
            if options:
                obj = await self.binding.get(key, _js_get_options(options))
            else:
                obj = await self.binding.get(key)
        except JsException as exc:
            if is_range_error(exc):
                raise RangeNotSatisfiable(None) from None
            if "onlyIf" not in options:
                raise
            # R2 refused a precondition header it cannot parse: routes evaluates it instead.
            options.pop("onlyIf")
            return await self.get(key, byte_range, Conditions())
        if _absent(obj):
            return None
        meta = meta_of(obj)
        body = body_of(obj)
        span = None
        if body is not None and byte_range is not None:
            span = byte_range.resolve(meta.size)
        return StoredObject(meta, body, span)

    async def head(self, key: str) -> ObjectMeta | None:
        obj = await self.binding.head(key)
        return None if _absent(obj) else meta_of(obj)

    async def list(self, prefix: str, delimiter: str | None, cursor: str | None) -> Listing:
        options: dict = {"prefix": prefix, "limit": LIST_LIMIT}
        if delimiter:
            options["delimiter"] = delimiter
        if cursor:
            options["cursor"] = cursor
        result = await self.binding.list(_js(options))
        objects = [meta_of(obj) for obj in result.objects]
        prefixes = [str(p) for p in result.delimitedPrefixes]
        truncated = bool(result.truncated)
        return Listing(objects, prefixes, str(result.cursor) if truncated else None)

    async def read(self, key: str) -> bytes | None:
        obj = await self.binding.get(key)
        if _absent(obj):
            return None
        return bytes((await obj.arrayBuffer()).to_bytes())


# ------------------------------------------------------------------ settings (wrangler vars)


def _var(env: object, name: str, default: str) -> str:
    try:
        value = getattr(env, name)
    except AttributeError:
        return default
    return default if _absent(value) else str(value)


@dataclass(frozen=True, slots=True)
class Settings:
    config: RouteConfig
    root: str  # the folder of the bucket served as the repository
    access_ttl: float
    edge_cache: bool

    @classmethod
    def from_env(cls, env: object) -> Settings:
        config = RouteConfig(
            entry_ttl=int(_var(env, "ENTRY_TTL", "60")),
            name=_var(env, "REPO_NAME", "r2repo"),
        )
        return cls(
            config=config,
            root=_var(env, "SERVE_PREFIX", ""),
            access_ttl=float(_var(env, "ACCESS_TTL", "10")),
            edge_cache=_var(env, "EDGE_CACHE", "true").lower() not in ("false", "0", "off", "no"),
        )


# The env last seen (its JS identity) and its settings.
_settings: list[tuple[object, Settings]] = []
_access: dict[str, AccessCache] = {}
_pages: dict[str, PageMemo] = {}  # the landing page as rendered, per served root


def settings_for(env: object) -> Settings:
    """Settings of `env`, read once: an isolate keeps one env (vars change only by a deploy, which
    starts new isolates); reading five vars through the FFI cost ~0.1 ms a request."""
    identity = getattr(env, "js_id", None)
    if identity is None or not _settings or _settings[0][0] != identity:
        _settings[:] = [(identity, Settings.from_env(env))]
    return _settings[0][1]


# ----------------------------------------------------------------------- JS <-> routes


def to_request(js_request: object) -> Request:
    url = urlsplit(str(js_request.url))  # type: ignore[attr-defined]
    # One conversion of all the fields (Headers gives names in lower case), not a call per field.
    headers: dict[str, str] = Object.fromEntries(js_request.headers).to_py()  # type: ignore[attr-defined]
    return Request(
        method=str(js_request.method).upper(),  # type: ignore[attr-defined]
        path=url.path or "/",
        query=url.query,
        headers=headers,
        origin=f"{url.scheme}://{url.netloc}",
    )


def _js_body(body: object | None) -> object | None:
    if body is None:
        return None
    if isinstance(body, bytes | bytearray):
        try:
            return bytes(body).decode("utf-8")  # a JS string; Response encodes it as UTF-8
        except UnicodeDecodeError:
            array = Uint8Array.new(len(body))
            array.assign(body)
            return array
    return body  # the R2 object's ReadableStream


def to_js_response(response: Response) -> object:
    # The fields as [name, value] pairs in the one conversion of `init` (repeated names kept).
    pairs = [[name, value] for name, value in response.headers]
    init = _js({"status": response.status, "headers": pairs})
    return JsResponse.new(_js_body(response.body), init)


# ---------------------------------------------------------------------------- serving


def _lookup(url: str, request: Request) -> object | None:
    """The cache request; None when routes must answer (a range no object has: 416)."""
    headers = Headers.new()
    try:
        byte_range = requested_range(request.headers) if request.method == "GET" else None
    except RangeNotSatisfiable:
        return None
    if byte_range is not None:  # never the client's field: several ranges mean the whole 200
        headers.append("range", byte_range.field())
    for name in _LOOKUP_HEADERS:
        value = request.headers.get(name)
        if value is not None:
            headers.append(name, value)
    return JsRequest.new(url, _js({"method": "GET", "headers": headers}))


def _from_cache(hit: object, method: str, private: bool) -> object:
    body = None if method == "HEAD" else hit.body  # type: ignore[attr-defined]
    if method == "HEAD" and not _absent(hit.body):  # type: ignore[attr-defined]
        hit.body.cancel()  # type: ignore[attr-defined]
    out = JsResponse.new(body, hit)
    control = out.headers.get("cache-control")
    if not _absent(control):
        out.headers.set("cache-control", served_cache_control(str(control), private))
    out.headers.set(CACHE_STATUS, "HIT")
    return out


def _store(cache: object, url: str, js_response: object, ctx: object) -> None:
    copy = js_response.clone()  # type: ignore[attr-defined]
    control = copy.headers.get("cache-control")
    if not _absent(control):
        copy.headers.set("cache-control", stored_cache_control(str(control)))
    copy.headers.delete(CACHE_STATUS)
    pending = cache.put(url, copy)  # type: ignore[attr-defined]
    if ctx is None or _absent(ctx):
        return
    if hasattr(pending, "add_done_callback"):
        # Pyodide hands the JS promise back as a Python future; JS gets a proxy of it that
        # must outlive this call (a borrowed one dies on return), released once it settles.
        handle = create_proxy(pending)
        pending.add_done_callback(lambda _: handle.destroy())
        pending = handle
    ctx.waitUntil(pending)  # type: ignore[attr-defined]


async def serve(js_request: object, env: object, ctx: object) -> object:
    """One request: auth, then the edge cache, then R2 through `routes`."""
    settings = settings_for(env)
    config = settings.config
    request = to_request(js_request)
    bucket = mount(R2Bucket(env.BUCKET), settings.root)  # type: ignore[attr-defined]
    rules = _access.setdefault(settings.root, AccessCache(settings.access_ttl))
    now = time.time()
    access = rules.fresh(now)
    if access is None:
        access = await rules.get(bucket, config.private_prefix, now)
    if rules.error:
        print(f"r2repo: {rules.error}; every request is refused (503) until it is fixed")
    decision: Decision = gate(request, access, config, now)
    key = request_key(request, config)
    cache = url = None
    if settings.edge_cache and may_look_up(request, key, decision):
        cache = caches.default
        url = cache_key(str(js_request.url), decision.private)  # type: ignore[attr-defined]
        lookup = _lookup(url, request)
        hit = None if lookup is None else await cache.match(lookup)
        if not _absent(hit):
            return _from_cache(hit, request.method, decision.private)
    memo = _pages.setdefault(settings.root, PageMemo())
    response = await handle(request, bucket, config, decision, memo)
    js_response = to_js_response(response)
    if cache is not None and url is not None and should_store(request, response):
        _store(cache, url, js_response, ctx)
    return js_response


async def _serve_safely(js_request: object, env: object, ctx: object) -> object:
    try:
        return await serve(js_request, env, ctx)
    except Exception:  # a bug or an R2 outage: log it, never show a stack to the client
        print("r2repo: " + traceback.format_exc())
        return JsResponse.new(
            "Internal Server Error\n",
            _js(
                {
                    "status": 500,
                    "headers": _js({"content-type": "text/plain", "cache-control": "no-store"}),
                }
            ),
        )


def _raw(env: object) -> object:
    """The JS env under the SDK's wrapper: this adapter speaks to the R2 binding itself."""
    return getattr(env, "_env", env)


class Default(WorkerEntrypoint):
    async def fetch(self, request: object) -> object:
        js_request = getattr(request, "js_object", request)
        return await _serve_safely(js_request, _raw(self.env), self.ctx)
