// Runs one of the TypeScript benchmarks (bench/<name>.ts) with tsx in this Node, with --expose-gc
// so it can read the live heap after a full GC; exits with its status.

import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function runTs(name) {
  const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", path.join(ROOT, "bench", `${name}.ts`)], {
    cwd: ROOT,
    stdio: "inherit",
    env: process.env,
  });
  if (result.error) {
    console.error(`${name} bench: ${result.error.message}`);
    process.exit(1);
  }
  process.exit(result.status ?? 1);
}
