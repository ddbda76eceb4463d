"""Pure-Python HTTP handling for an r2repo repository: request in, response out.

Nothing here knows the runtime: `src/worker.py` (Cloudflare Python Worker, R2 binding) and
`publisher/serve/app.py` (CPython, RSGI over a Store) adapt a `Bucket` and turn the `Response`
value into a real response. The body of a `Response` is an opaque handle from the bucket.
"""

from routes.access import Access, AccessCache, Decision, authorize, parse_access
from routes.bucket import Bucket, Listing, ObjectMeta, StoredObject
from routes.conditional import Conditions
from routes.config import RouteConfig
from routes.content import cache_control_for, content_type_for
from routes.handler import gate, handle
from routes.http import Request, Response
from routes.ranges import ByteRange, RangeNotSatisfiable

__all__ = [
    "Access",
    "AccessCache",
    "Decision",
    "authorize",
    "gate",
    "parse_access",
    "Bucket",
    "ByteRange",
    "Conditions",
    "Listing",
    "ObjectMeta",
    "RangeNotSatisfiable",
    "Request",
    "Response",
    "RouteConfig",
    "StoredObject",
    "cache_control_for",
    "content_type_for",
    "handle",
]
