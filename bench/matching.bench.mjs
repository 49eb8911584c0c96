#!/usr/bin/env node
// Matching benchmark: runs bench/matching.ts with tsx in this Node (see that file for what it
// measures). Env: BENCH_MATCHING_SECONDS, BENCH_MATCHING_SIZES.

import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", path.join(ROOT, "bench", "matching.ts")], {
  cwd: ROOT,
  stdio: "inherit",
  env: process.env,
});
if (result.error) {
  console.error(`matching bench: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
