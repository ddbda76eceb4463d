"""`handle`: one request against a bucket, GET and HEAD only, as static file servers should."""

from __future__ import annotations

import time

from routes.access import OPEN, UNAUTHORIZED, UNAVAILABLE, Access, Decision, authorize
from routes.bucket import Bucket, ObjectMeta, StoredObject
from routes.conditional import (
    NO_CONDITIONS,
    NOT_MODIFIED,
    Conditions,
    evaluate,
    http_date,
    if_range_allows,
    validator_second,
)
from routes.config import RouteConfig
from routes.content import cache_control_for, content_type_for
from routes.http import Request, Response
from routes.memo import PageMemo
from routes.pages import directory_page
from routes.paths import RejectedPath, is_directory, to_key
from routes.ranges import ByteRange, MalformedRange, RangeNotSatisfiable, parse_range_spec

ALLOW = "GET, HEAD"
_TEXT = "text/plain; charset=utf-8"


def _text(status: int, message: str, *extra: tuple[str, str]) -> Response:
    body = message.encode()
    headers = [
        ("content-type", _TEXT),
        ("content-length", str(len(body))),
        ("cache-control", "no-store"),
        *extra,
    ]
    return Response(status, headers, body)


def _not_found() -> Response:
    return _text(404, "Not Found\n")


def _validators(meta: ObjectMeta, config: RouteConfig) -> list[tuple[str, str]]:
    headers = [("etag", meta.etag)]
    # Never a date in the future (RFC 9110 8.8.2.1): the rounded-up second must have passed.
    second = validator_second(meta.last_modified)
    if second <= time.time():
        headers.append(("last-modified", http_date(second)))
    headers.append(("cache-control", cache_control_for(meta.key, config.entry_ttl)))
    return headers


def _ok(
    meta: ObjectMeta, body: object | None, span: tuple[int, int] | None, config: RouteConfig
) -> Response:
    headers = _validators(meta, config)
    headers.append(("content-type", content_type_for(meta.key)))
    headers.append(("accept-ranges", "bytes"))
    if span is None:
        headers.append(("content-length", str(meta.size)))
        return Response(200, headers, body)
    start, end = span
    headers.append(("content-length", str(end - start + 1)))
    headers.append(("content-range", f"bytes {start}-{end}/{meta.size}"))
    return Response(206, headers, body)


def _refusal(status: int, meta: ObjectMeta, config: RouteConfig) -> Response:
    if status == NOT_MODIFIED:  # only the headers a 304 may carry (RFC 9110 15.4.5)
        return Response(NOT_MODIFIED, _validators(meta, config), None)
    return _text(status, "Precondition Failed\n")


def _unsatisfiable(size: int) -> Response:
    return _text(
        416,
        "Range Not Satisfiable\n",
        ("content-range", f"bytes */{size}"),
        ("accept-ranges", "bytes"),
    )


async def directory(
    request: Request,
    bucket: Bucket,
    config: RouteConfig,
    prefix: str,
    decision: Decision = OPEN,
    memo: PageMemo | None = None,
) -> Response:
    """A path ending in `/`: its listing; prefix "" is the landing page."""
    page = await directory_page(request, bucket, config, prefix, decision, memo)
    return _not_found() if page is None else page


def _refused(decision: Decision, config: RouteConfig) -> Response:
    if decision.status == UNAUTHORIZED:
        realm = config.name.replace("\\", "").replace('"', "")
        challenge = f'Basic realm="{realm}", charset="UTF-8"'
        return _text(401, f"Unauthorized: {decision.reason}\n", ("www-authenticate", challenge))
    if decision.status == UNAVAILABLE:
        return _text(503, f"Service Unavailable: {decision.reason}\n", ("retry-after", "10"))
    return _text(403, f"Forbidden: {decision.reason}\n")


def request_key(request: Request, config: RouteConfig) -> str | None:
    """The object or directory key the request names, None when it names nothing servable."""
    try:
        return to_key(request.path, config.private_prefix)
    except RejectedPath:
        return None


def gate(request: Request, access: Access, config: RouteConfig, now: float) -> Decision:
    """Auth for `request`, decided before anything else (the Worker: before the edge cache)."""
    if request.method != "GET" and request.method != "HEAD":
        return OPEN  # answered 405 whoever asks
    return authorize(access, request_key(request, config), request.headers, now)


def _keep_private(response: Response) -> None:
    for i, (name, value) in enumerate(response.headers):
        if name == "cache-control" and value.startswith("public"):
            response.headers[i] = (name, "private" + value[len("public") :])


async def _head(request: Request, bucket: Bucket, config: RouteConfig, key: str) -> Response:
    meta = await bucket.head(key)
    if meta is None:
        return _not_found()
    conditions = Conditions.from_headers(request.headers)
    if conditions:
        status = evaluate(conditions, meta.etag, meta.last_modified, "HEAD")
        if status is not None:
            return _refusal(status, meta, config)
    return _ok(meta, None, None, config)  # a Range is ignored on HEAD (RFC 9110 14.2)


async def _plain_get(
    bucket: Bucket, key: str, byte_range: ByteRange | None, config: RouteConfig
) -> Response:
    """A second, unconditional fetch after the first one could not be served as it was."""
    try:
        stored = await bucket.get(key, byte_range, NO_CONDITIONS)
    except RangeNotSatisfiable as exc:
        size = exc.size
        if size is None:
            meta = await bucket.head(key)
            if meta is None:
                return _not_found()
            size = meta.size
        return _unsatisfiable(size)
    if stored is None or stored.body is None:
        return _not_found()
    return _ok(stored.meta, stored.body, stored.range, config)


async def _after_unsatisfiable(
    bucket: Bucket,
    key: str,
    conditions: Conditions,
    if_range: str | None,
    size: int | None,
    config: RouteConfig,
) -> Response:
    # Preconditions come before the range (RFC 9110 13.2.2); a failed If-Range means 200.
    if size is not None and not conditions and if_range is None:
        return _unsatisfiable(size)
    meta = await bucket.head(key)
    if meta is None:
        return _not_found()
    if conditions:
        status = evaluate(conditions, meta.etag, meta.last_modified, "GET")
        if status is not None:
            return _refusal(status, meta, config)
    if if_range is not None and not if_range_allows(if_range, meta.etag, meta.last_modified):
        return await _plain_get(bucket, key, None, config)
    return _unsatisfiable(meta.size)


def requested_range(headers: dict[str, str]) -> ByteRange | None:
    """The one range a GET's Range field asks for; None when there is no field or it must be
    ignored (RFC 9110 14.2: not a range-set, or several ranges), i.e. the whole object is sent.

    Raises RangeNotSatisfiable for a start no object reaches. The Worker hands the edge cache
    `field()` of this, never the client's field: the cache would answer several ranges or odd
    spellings its own way (a multipart 206, or 416 for `bytes=0-1, `)."""
    range_field = headers.get("range")
    if range_field is None:
        return None
    try:
        return parse_range_spec(range_field)
    except MalformedRange:
        return None


async def _get(request: Request, bucket: Bucket, config: RouteConfig, key: str) -> Response:
    headers = request.headers
    conditions = Conditions.from_headers(headers)
    try:
        byte_range = requested_range(headers)
    except RangeNotSatisfiable:
        if_range = headers.get("if-range")
        return await _after_unsatisfiable(bucket, key, conditions, if_range, None, config)
    if_range = headers.get("if-range") if byte_range is not None else None
    try:
        if byte_range is not None and byte_range.suffix == 0:
            raise RangeNotSatisfiable
        stored: StoredObject | None = await bucket.get(key, byte_range, conditions)
    except RangeNotSatisfiable as exc:
        return await _after_unsatisfiable(bucket, key, conditions, if_range, exc.size, config)
    if stored is None:
        return _not_found()
    meta = stored.meta
    if conditions:
        status = evaluate(conditions, meta.etag, meta.last_modified, "GET")
        if status is not None:
            return _refusal(status, meta, config)
    span = stored.range
    if (
        if_range is not None
        and span is not None
        and not if_range_allows(if_range, meta.etag, meta.last_modified)
    ):
        return await _plain_get(bucket, key, None, config)
    if stored.body is None:
        # The bucket refused a precondition that holds here (R2 compares finer than a second).
        return await _plain_get(bucket, key, byte_range, config)
    return _ok(meta, stored.body, span, config)


async def handle(
    request: Request,
    bucket: Bucket,
    config: RouteConfig,
    decision: Decision = OPEN,
    memo: PageMemo | None = None,
) -> Response:
    """Answer one request. Python decides status and headers; the body stays a bucket handle.

    `decision` is what `gate` said about the request's credentials (default: all public);
    `memo` keeps the landing page in memory (the Worker's isolates; `serve` renders it each time).
    """
    method = request.method
    if method != "GET" and method != "HEAD":
        response = _text(405, "Method Not Allowed\n", ("allow", ALLOW))
    elif decision.status is not None:
        response = _refused(decision, config)
    else:
        key = request_key(request, config)
        if key is None:
            response = _not_found()
        elif is_directory(key):
            response = await directory(request, bucket, config, key, decision, memo)
        elif method == "HEAD":
            response = await _head(request, bucket, config, key)
        else:
            response = await _get(request, bucket, config, key)
    if decision.private:
        _keep_private(response)
    if method == "HEAD":
        response.body = None
    return response
