// emscriptenSetup.js the way workerd's build makes it (src/pyodide/helpers.bzl, `esbuild(...)`):
// one ESM file from internal/pool/emscriptenSetup.ts, with workerd's own resolver plugin
// (internal/pool/esbuild.config.mjs) and the same externals.
//   node esbuild.mjs SRC_PYODIDE_DIR OUT_FILE
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, outfile] = process.argv.slice(2);
const config = (await import(pathToFileURL(join(root, 'internal/pool/esbuild.config.mjs')))).default;
const node = ['child_process', 'crypto', 'fs', 'path', 'url', 'vm'];
await build({
  ...config,
  entryPoints: [join(root, 'internal/pool/emscriptenSetup.ts')],
  bundle: true,
  format: 'esm',
  target: 'esnext',
  external: [...node, 'ws', ...node.map((name) => `node:${name}`)],
  outfile,
  logLevel: 'error',
});
