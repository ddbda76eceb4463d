// The floor the Python Worker is measured against (bench/edgecpu.py): the least a Worker can do
// to serve the same bucket in the same workerd. Objects stream from R2 with the request's own
// conditions and range (R2 evaluates them), folders are one R2 list, EDGE_CACHE = "true" answers
// from caches.default first (and stores whole 200s). No auth, no pages, no headers beyond R2's.
export default {
  async fetch(request, env, ctx) {
    const cache = env.EDGE_CACHE === "true" ? caches.default : null;
    if (cache) {
      const hit = await cache.match(request);
      if (hit) return hit;
    }
    const key = decodeURIComponent(new URL(request.url).pathname.slice(1));
    if (key === "" || key.endsWith("/")) {
      const listing = await env.BUCKET.list({ prefix: key, delimiter: "/" });
      const names = listing.objects.map((o) => o.key).concat(listing.delimitedPrefixes);
      return new Response(names.join("\n"), { headers: { "content-type": "text/plain" } });
    }
    const object = await env.BUCKET.get(key, { onlyIf: request.headers, range: request.headers });
    if (object === null) return new Response("Not Found\n", { status: 404 });
    const headers = new Headers({ etag: object.httpEtag });
    object.writeHttpMetadata(headers);
    headers.set("cache-control", "public, max-age=3600"); // the Cache API stores nothing without
    if (!("body" in object)) return new Response(null, { status: 304, headers });
    const partial = request.headers.has("range") && object.range !== undefined;
    const response = new Response(object.body, { status: partial ? 206 : 200, headers });
    if (cache && !partial) ctx.waitUntil(cache.put(request, response.clone()));
    return response;
  },
};
