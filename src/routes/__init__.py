"""Pure-Python HTTP handling for an r2repo repository: request in, response out.

Nothing here knows the runtime: `src/worker.py` (Cloudflare Python Worker, R2 binding) and
`publisher/serve/app.py` (CPython, RSGI over a Store) adapt a `Bucket` and turn the `Response`
value into a real response. The body of a `Response` is an opaque handle from the bucket.
"""

from importlib import import_module

# Names load with their module on first use (PEP 562): the publisher imports routes.content,
# routes.config or routes.openpgp alone, and would otherwise load the whole request handling
# (24 ms of an add-1 publish's start). The Worker and `serve` import what they use at once.
_EXPORTS = {
    "Access": "routes.access",
    "AccessCache": "routes.access",
    "Decision": "routes.access",
    "authorize": "routes.access",
    "parse_access": "routes.access",
    "Bucket": "routes.bucket",
    "Listing": "routes.bucket",
    "ObjectMeta": "routes.bucket",
    "StoredObject": "routes.bucket",
    "Conditions": "routes.conditional",
    "RouteConfig": "routes.config",
    "cache_control_for": "routes.content",
    "content_type_for": "routes.content",
    "gate": "routes.handler",
    "handle": "routes.handler",
    "Request": "routes.http",
    "Response": "routes.http",
    "ByteRange": "routes.ranges",
    "RangeNotSatisfiable": "routes.ranges",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'routes' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
