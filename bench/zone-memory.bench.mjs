#!/usr/bin/env node
// Zone memory accounting: runs bench/zone-memory.ts with tsx in this Node, with --expose-gc
// (see that file for what it measures). Env: BENCH_MEMORY_DRIVERS, BENCH_MEMORY_DELIVERIES.

import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", path.join(ROOT, "bench", "zone-memory.ts")], {
  cwd: ROOT,
  stdio: "inherit",
  env: process.env,
});
if (result.error) {
  console.error(`zone memory bench: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
