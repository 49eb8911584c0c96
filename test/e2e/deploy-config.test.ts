/**
 * Finding 1 of the hardening issue: the deployable configuration (wrangler.toml, as
 * `wrangler deploy` would use it) carries no development secret and no relaxed environment.
 * `wrangler deploy --dry-run` builds the bundle without uploading anything.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const DEV_SECRET = "local-dev-secret-do-not-use-in-production";

describe("finding 1: the deployable configuration carries no dev secret", () => {
  it("wrangler deploy --dry-run of the default config bundles neither the dev secret nor ENVIRONMENT=development", () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "dispatch-dry-run-"));
    try {
      const run = spawnSync(process.execPath, [path.join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", out], {
        cwd: ROOT,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(run.status, run.stderr).toBe(0);
      const bundle = readdirSync(out)
        .filter((f) => f.endsWith(".js"))
        .map((f) => readFileSync(path.join(out, f), "utf8"))
        .join("\n");
      expect(bundle.length).toBeGreaterThan(10_000);
      expect(bundle).not.toContain(DEV_SECRET);
      // The bindings wrangler prints for the deploy: no secret var, no relaxed environment.
      expect(run.stdout).not.toContain(DEV_SECRET);
      expect(run.stdout).not.toMatch(/ENVIRONMENT/);
      const config = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
      expect(config).not.toContain(DEV_SECRET);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
