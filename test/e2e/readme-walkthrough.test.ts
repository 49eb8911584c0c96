// The README's walk-throughs, run from the README text itself: every ```sh walkthrough block, in
// order, in one bash session against a fresh `npm start`. Each `# → ` line under a command is
// what that command prints (`…` stands for anything); they must all appear, in order. A README
// change that breaks a walk-through fails here.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, type Server, startServer } from "./server";

const run = promisify(execFile);
let server: Server;

beforeAll(async () => {
  server = await startServer({ seed: false });
});

afterAll(async () => {
  await server?.stop();
});

/** The walk-through blocks of the README, in order. */
function walkthroughBlocks(readme: string): string[] {
  return [...readme.matchAll(/^```sh walkthrough\n([\s\S]*?)^```$/gm)].map(([, body]) => body!);
}

/** `# → text` lines as patterns: the text literally, `…` as anything. */
function expectedLines(blocks: string[]): { text: string; pattern: RegExp }[] {
  return blocks.flatMap((block) =>
    [...block.matchAll(/^# → (.*)$/gm)].map(([, text]) => ({
      text: text!,
      pattern: new RegExp(`^${text!.split("…").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`),
    })),
  );
}

describe("README walk-throughs", () => {
  it("run as pasted, in order, on a fresh server, and print what the README says they print", async () => {
    const blocks = walkthroughBlocks(readFileSync(path.join(ROOT, "README.md"), "utf8"));
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const expected = expectedLines(blocks);
    expect(expected.length).toBeGreaterThan(10);
    const script = ["set -euo pipefail", ...blocks].join("\n");
    const { stdout } = await run("bash", ["-c", script], {
      cwd: ROOT,
      env: { ...process.env, BASE: server.baseUrl, WRANGLER_SEND_METRICS: "false" },
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`walk-through failed: ${error.message}\n--- stdout ---\n${error.stdout}\n--- stderr ---\n${error.stderr}`);
    });
    const lines = stdout.split("\n");
    let at = 0;
    for (const { text, pattern } of expected) {
      const found = lines.findIndex((line, i) => i >= at && pattern.test(line));
      expect(found, `README promises "${text}" after line ${at} of:\n${stdout}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });
});
