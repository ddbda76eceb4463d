// Puts every file under a directory into the local R2 bucket that `wrangler dev --persist-to`
// serves, in one process (one `wrangler r2 object put` per file costs a Node start each).
// Usage: node fill-bucket.mjs PERSIST_DIR BUCKET_NAME SOURCE_DIR [KEY_PREFIX]
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { Miniflare } from "miniflare";

const [persist, bucketName, source, keyPrefix = ""] = process.argv.slice(2);
const mf = new Miniflare({
  modules: true,
  script: "export default { fetch() { return new Response(null); } }",
  r2Buckets: { BUCKET: bucketName },
  r2Persist: join(persist, "v3", "r2"),
});
const bucket = await mf.getR2Bucket("BUCKET");
let count = 0;
function* walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
for (const path of walk(source)) {
  const key = keyPrefix + relative(source, path).split(sep).join("/");
  const data = readFileSync(path);
  await bucket.put(key, data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  count++;
}
await mf.dispose();
console.log(`${count} objects`);
