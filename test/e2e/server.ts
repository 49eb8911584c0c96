// End-to-end harness: the README's `npm start` on a free port with a fresh local state directory,
// in its own process group. `startServer()` waits for GET /v2/health and start.mjs's "listening"
// line; `stop()` signals the whole group (SIGINT like Ctrl-C, then SIGTERM, then SIGKILL), checks
// that no process of it (npm, node, wrangler, workerd) is left, and deletes the state directory.
// If starting fails, the server is stopped before the error is thrown. `crash()` is the other way
// to end a server: SIGKILL to the whole group, no chance to shut down. To restart on the same
// state, a test passes its own state directory (freshStateDir()), which neither deletes.

import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
// @ts-expect-error scripts/token.mjs is plain JavaScript without type declarations
import { mintToken } from "../../scripts/token.mjs";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const HEALTH_TIMEOUT_MS = 90_000;

export type Role = "driver" | "service" | "ops" | "admin";

/** A token signed like `npm run token` signs it (scripts/token.mjs, the local dev secret), 1 h. */
export function token(role: Role, org: string, sub?: string): Promise<string> {
  return (mintToken as (opts: { role: Role; org: string; sub?: string; ttlSeconds?: number }) => Promise<string>)({
    role,
    org,
    sub,
    ttlSeconds: 3600,
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error("no port"))));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** pids of live processes in process group `pgid`, or whose command line mentions `marker`. */
function leftovers(pgid: number, marker?: string): string[] {
  let out = "";
  try {
    out = execFileSync("ps", ["-eo", "pid=,pgid=,stat=,args="], { encoding: "utf8" });
  } catch {
    return [];
  }
  return out
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .filter((line) => {
      const [pid, group, stat, ...args] = line.split(/\s+/);
      if (Number(pid) === process.pid || stat?.startsWith("Z")) return false; // zombies are already dead
      return Number(group) === pgid || (marker !== undefined && args.join(" ").includes(marker));
    });
}

export interface ApiResponse {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

export interface Server {
  baseUrl: string;
  /** ws://127.0.0.1:<port> */
  wsUrl: string;
  stateDir: string;
  /** Everything `npm start` printed so far (stdout and stderr). */
  output(): string;
  /** The last 4,000 characters of the output, for failure messages. */
  tail(): string;
  request(method: string, urlPath: string, bearer: string, body?: unknown): Promise<ApiResponse>;
  /** Stops the process group; throws if anything had to be killed or is left over. Idempotent. */
  stop(): Promise<void>;
  /**
   * Instead of stop(): SIGKILLs the whole process group at once (a crash, not a shutdown) and
   * waits until none of its processes is left. stop() afterwards does nothing more.
   */
  crash(): Promise<void>;
  /**
   * Instead of stop(): sends `signal` to the npm process alone (as `kill -TERM <pid>` does) and
   * waits until every process of the group has ended, at most `withinMs`. Answers npm's exit code
   * and how long the group took to empty; whatever is left is killed and reported as an error.
   */
  signalNpm(signal: NodeJS.Signals, withinMs: number): Promise<{ exitCode: number | null; exitSignal: NodeJS.Signals | null; stoppedInMs: number }>;
}

export interface StartOptions {
  /** DISPATCH_SEED: the demo data (default on, as in the README). */
  seed?: boolean;
  /** Run on this existing state directory (a restart), which stays. Default: a fresh one, deleted at the end. */
  stateDir?: string;
  /** More environment for `npm start` (e.g. DISPATCH_FAULT_D1_WRITE_FAILURE_RATE). */
  env?: Record<string, string>;
}

/** A fresh state directory for a test that restarts servers on it (the test deletes it). */
export function freshStateDir(): string {
  return mkdtempSync(path.join(tmpdir(), "dispatch-e2e-state-"));
}

export async function startServer(options: StartOptions = {}): Promise<Server> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const stateDir = options.stateDir ?? freshStateDir();
  let output = "";
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  const child: ChildProcess = spawn("npm", ["start"], {
    cwd: ROOT,
    detached: true, // own process group: stop() kills npm, node, wrangler and workerd together
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: String(port),
      DISPATCH_STATE_DIR: stateDir,
      DISPATCH_INSPECTOR_PORT: "0", // no race on 9229 with another server starting at once
      ...(options.seed === false ? { DISPATCH_SEED: "0" } : {}),
      ...options.env,
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      FORCE_COLOR: "0",
      NO_COLOR: "1",
    },
  });
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => {
    child.on("exit", (code, signal) => {
      exitInfo = { code, signal };
      resolve();
    });
    child.on("error", (err) => {
      output += `\n[spawn error] ${err.message}\n`;
      exitInfo = { code: -1, signal: null };
      resolve();
    });
  });
  const tail = () => output.slice(-4000);
  const pgid = child.pid;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (pgid !== undefined) process.kill(-pgid, signal);
    } catch {
      // group already gone
    }
  };

  async function request(method: string, urlPath: string, bearer: string, body?: unknown): Promise<ApiResponse> {
    const res = await fetch(baseUrl + urlPath, {
      method,
      headers: {
        Authorization: `Bearer ${bearer}`,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
  }

  let stopping: Promise<void> | undefined;
  async function stopOnce(): Promise<void> {
    try {
      if (pgid === undefined) return;
      // Ctrl-C first (what a user does: SIGINT to the whole foreground group), then SIGTERM.
      let done = exitInfo !== undefined;
      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        if (done) break;
        killGroup(signal);
        done = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      }
      // Children may outlive npm for a moment; give the group time to empty, then force it.
      let left = leftovers(pgid, stateDir);
      for (let i = 0; left.length > 0 && i < 40; i++) {
        await sleep(250);
        left = leftovers(pgid, stateDir);
      }
      if (!done || left.length > 0) {
        killGroup("SIGKILL");
        for (const line of left) {
          try {
            process.kill(Number(line.split(/\s+/)[0]), "SIGKILL");
          } catch {
            // gone
          }
        }
        await sleep(500);
        throw new Error(
          `npm start did not shut down cleanly (npm exited: ${done}); processes left after SIGINT/SIGTERM:\n${left.join("\n")}\n--- output ---\n${tail()}`,
        );
      }
    } finally {
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    }
  }

  async function crashOnce(): Promise<void> {
    try {
      if (pgid === undefined) return;
      killGroup("SIGKILL");
      await exited;
      // The group only (not the state-directory marker): the next server may already be starting on it.
      let left = leftovers(pgid);
      for (let i = 0; left.length > 0 && i < 40; i++) {
        await sleep(250);
        left = leftovers(pgid);
      }
      if (left.length > 0) throw new Error(`processes left after SIGKILL to group ${pgid}:\n${left.join("\n")}`);
    } finally {
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    }
  }

  async function signalNpmOnce(signal: NodeJS.Signals, withinMs: number) {
    try {
      if (pgid === undefined) throw new Error("npm start has no pid");
      const sentAt = Date.now();
      process.kill(pgid, signal); // npm is the group leader: its pid is the group id
      let left = leftovers(pgid);
      while ((left.length > 0 || exitInfo === undefined) && Date.now() - sentAt < withinMs) {
        await sleep(100);
        left = leftovers(pgid);
      }
      const stoppedInMs = Date.now() - sentAt;
      if (left.length > 0 || exitInfo === undefined) {
        killGroup("SIGKILL");
        throw new Error(`${signal} to npm left processes running after ${withinMs} ms:\n${left.join("\n")}\n--- output ---\n${tail()}`);
      }
      return { exitCode: exitInfo.code, exitSignal: exitInfo.signal, stoppedInMs };
    } finally {
      if (!options.stateDir) rmSync(stateDir, { recursive: true, force: true });
    }
  }

  let signalled: ReturnType<typeof signalNpmOnce> | undefined;
  const server: Server = {
    baseUrl,
    wsUrl: baseUrl.replace(/^http/, "ws"),
    stateDir,
    output: () => output,
    tail,
    request,
    stop: () => (stopping ??= stopOnce()),
    crash: () => (stopping ??= crashOnce()),
    signalNpm: (signal, withinMs) => {
      signalled ??= signalNpmOnce(signal, withinMs);
      stopping ??= signalled.then(() => undefined);
      return signalled;
    },
  };

  try {
    const deadline = Date.now() + HEALTH_TIMEOUT_MS;
    for (;;) {
      if (exitInfo) throw new Error(`npm start exited early (${JSON.stringify(exitInfo)}):\n${tail()}`);
      try {
        const res = await fetch(`${baseUrl}/v2/health`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 200) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`GET /v2/health not 200 within ${HEALTH_TIMEOUT_MS / 1000} s:\n${tail()}`);
      await sleep(500);
    }
    // start.mjs seeds (unless DISPATCH_SEED=0) after health answers; wait for its "listening" line.
    const seedDeadline = Date.now() + 30_000;
    while (!/Dispatch v2 listening on/.test(output) && !exitInfo && Date.now() < seedDeadline) await sleep(200);
  } catch (error) {
    await server.stop().catch(() => {});
    throw error;
  }
  return server;
}
