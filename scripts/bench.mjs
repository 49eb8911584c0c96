#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.mjs, in name order, one at a time, with this Node.
// Stops at the first benchmark that fails and exits with its code.

import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BENCH_DIR = path.join(ROOT, "bench");

const files = existsSync(BENCH_DIR)
  ? readdirSync(BENCH_DIR)
      .filter((f) => f.endsWith(".bench.mjs"))
      .sort()
  : [];

if (files.length === 0) {
  console.log("no benchmarks yet");
  process.exit(0);
}

for (const file of files) {
  console.log(`\n=== bench/${file} ===`);
  const result = spawnSync(process.execPath, [path.join(BENCH_DIR, file), ...process.argv.slice(2)], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (result.error) {
    console.error(`bench/${file}: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) {
    console.error(`bench/${file} failed (${result.signal ?? `exit code ${result.status}`})`);
    process.exit(result.status ?? 1);
  }
}
