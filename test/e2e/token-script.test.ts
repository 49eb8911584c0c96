// `npm run token -- --kid`: the README's way to mint with a rotation key, run as a real process.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { ROOT } from "./server";

const run = promisify(execFile);
const TOKEN_SCRIPT = path.join(ROOT, "scripts", "token.mjs");
const ORG = "11111111-1111-4111-8111-111111111111";
const KEYS = { "2026-02": "rotation-key-2026-02-bbbbbbbbbbbbbbbb" };

const mint = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [TOKEN_SCRIPT, "--role", "ops", "--org", ORG, ...args], { env: { ...process.env, ...env } });

describe("npm run token -- --kid", () => {
  it("signs with that key of JWT_KEYS and names it in the kid header", async () => {
    const { stdout } = await mint(["--kid", "2026-02"], { JWT_KEYS: JSON.stringify(KEYS) });
    const token = stdout.trim();
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "HS256", kid: "2026-02" });
    const { payload } = await jwtVerify(token, new TextEncoder().encode(KEYS["2026-02"]), { issuer: "dispatch", audience: "dispatch-api" });
    expect(payload).toMatchObject({ role: "ops", org: ORG });
  });

  it("refuses a kid that JWT_KEYS does not hold, with exit code 2", async () => {
    const failure = await mint(["--kid", "2026-03"], { JWT_KEYS: JSON.stringify(KEYS) }).catch((err) => err);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('--kid "2026-03" is not a key of JWT_KEYS');
  });
});
