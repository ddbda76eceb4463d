// Makes the local R2 bucket that `wrangler dev --persist-to PERSIST` serves hold exactly the files
// under SOURCE (keys KEY_PREFIX + path): puts every file, deletes the keys under KEY_PREFIX that
// SOURCE no longer has. One Node process with wrangler's own Miniflare, storage as wrangler lays
// it out (PERSIST/v3, what `wrangler r2 object put --local` writes); one `wrangler r2 object put`
// per file would cost a Node start each. Run by scripts/worker-dev.
// Usage: node worker-dev-fill.mjs PERSIST_DIR BUCKET_NAME SOURCE_DIR [KEY_PREFIX]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { Miniflare } from "miniflare";

const [persist, bucketName, source, keyPrefix = ""] = process.argv.slice(2);
const mf = new Miniflare({
  modules: true,
  script: "export default { fetch() { return new Response(null); } }",
  r2Buckets: { BUCKET: bucketName },
  defaultPersistRoot: join(persist, "v3"),
});
try {
  const bucket = await mf.getR2Bucket("BUCKET");
  function* walk(dir) {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) yield* walk(path);
      else yield path;
    }
  }
  const keys = new Set();
  for (const path of walk(source)) {
    const key = keyPrefix + relative(source, path).split(sep).join("/");
    const data = readFileSync(path);
    await bucket.put(key, data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    keys.add(key);
  }
  const stale = [];
  let cursor;
  do {
    const page = await bucket.list({ prefix: keyPrefix, cursor });
    stale.push(...page.objects.map((o) => o.key).filter((key) => !keys.has(key)));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  for (let i = 0; i < stale.length; i += 1000) await bucket.delete(stale.slice(i, i + 1000));
  console.log(`${keys.size} objects put, ${stale.length} stale objects deleted`);
} finally {
  await mf.dispose();
}
