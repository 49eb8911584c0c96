#!/usr/bin/env node
// Builds the browser code of the two pages (src/web/client) into dist/web, the Worker's static
// assets directory (wrangler.toml [assets]): content-hashed bundles under /assets/, an
// asset-manifest.json the Worker reads to name them in its HTML, and a _headers file that makes
// them cacheable for a year. Run by `npm start` and deploys (wrangler's [build] command) and by
// `npm test`; the output is never committed.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "dist", "web");

/** Entry points: the manifest key is the entry's name plus its output extension. */
const ENTRIES = {
  tracking: "src/web/client/tracking.tsx",
  console: "src/web/client/console.tsx",
  docs: "src/web/client/docs.ts",
  pages: "src/web/styles/pages.css",
  "docs-styles": "src/web/styles/docs.css",
};

rmSync(OUT, { recursive: true, force: true });
mkdirSync(path.join(OUT, "assets"), { recursive: true });

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: ENTRIES,
  outdir: path.join(OUT, "assets"),
  entryNames: "[name]-[hash]",
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "hono/jsx/dom",
  metafile: true,
  logLevel: "warning",
});

const manifest = {};
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (!output.entryPoint) continue;
  const name = Object.entries(ENTRIES).find(([, entry]) => entry === output.entryPoint)?.[0];
  if (name) manifest[`${name}${path.extname(file)}`] = `/assets/${path.basename(file)}`;
}
writeFileSync(path.join(OUT, "asset-manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
writeFileSync(path.join(OUT, "_headers"), "/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n");
process.stdout.write(`[build-web] ${Object.values(manifest).join(", ")}\n`);
