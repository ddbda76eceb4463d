"""The Python floor (bench/edgecpu.py): bench/edgefloor.js's work, done from Python.

The least a Python Worker can do to serve the same bucket in the same workerd: R2 evaluates the
request's own conditions and range, folders are one R2 list, EDGE_CACHE = "true" answers from
caches.default first (and stores whole 200s). No auth, no pages, no headers beyond R2's. What it
costs over the JavaScript floor is the runtime's price of a Python Worker (entering Pyodide, the
awaited JS calls, the conversions); what r2repo's Worker costs over it is r2repo's own.
"""

from urllib.parse import unquote, urlsplit

from js import Headers, Object, Response, caches
from pyodide.ffi import create_proxy, to_js
from workers import WorkerEntrypoint


def _js(value: dict) -> object:
    return to_js(value, dict_converter=Object.fromEntries)


def _absent(value: object) -> bool:
    return value is None or type(value).__name__ in ("JsNull", "JsUndefined")


def _keep(ctx: object, pending: object) -> None:
    handle = create_proxy(pending)
    pending.add_done_callback(lambda _: handle.destroy())
    ctx.waitUntil(handle)


class Default(WorkerEntrypoint):
    # As few crossings between Python and JavaScript as the work allows: R2 reads the request's
    # own Headers for its conditions and range, and writes the response's fields itself.
    async def fetch(self, request):
        js_request = getattr(request, "js_object", request)
        env = getattr(self.env, "_env", self.env)
        cache = caches.default if str(env.EDGE_CACHE) == "true" else None
        if cache is not None:
            hit = await cache.match(js_request)
            if not _absent(hit):
                return hit
        key = unquote(urlsplit(str(js_request.url)).path[1:])
        if key == "" or key.endswith("/"):
            listing = await env.BUCKET.list(_js({"prefix": key, "delimiter": "/"}))
            names = [str(o.key) for o in listing.objects]
            names += [str(p) for p in listing.delimitedPrefixes]
            return Response.new("\n".join(names), _js({"headers": {"content-type": "text/plain"}}))
        asked = js_request.headers
        found = await env.BUCKET.get(key, _js({"onlyIf": asked, "range": asked}))
        if _absent(found):
            return Response.new("Not Found\n", _js({"status": 404}))
        fields = {"etag": found.httpEtag, "cache-control": "public, max-age=3600"}
        headers = Headers.new(_js(fields))
        found.writeHttpMetadata(headers)
        body = getattr(found, "body", None)
        if body is None:  # an R2Object: a condition refused the body
            return Response.new(None, _js({"status": 304, "headers": headers}))
        partial = not _absent(found.range) and bool(asked.has("range"))
        response = Response.new(body, _js({"status": 206 if partial else 200, "headers": headers}))
        if cache is not None and not partial:
            _keep(self.ctx, cache.put(js_request, response.clone()))
        return response
