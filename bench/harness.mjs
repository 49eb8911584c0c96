// Shared by the benchmarks that run the bench Worker (bench/bench-worker.ts) in local workerd:
//
//  - startBenchWorker() copies src/, migrations/ and the bench Worker to .bench/run-* (wrangler
//    dev restarts the Worker when a source changes, and others may be editing src/), applies the
//    D1 migrations into a fresh temporary --persist-to directory, starts
//    `wrangler dev -c <copy>/bench/wrangler.bench.toml` on a free port in its own process group
//    (output to a log file in that directory) and waits for GET /health;
//  - runBench() runs a bench's main(), and whatever happens (failure, Ctrl-C) stops every wrangler
//    process group it started and removes the copy and the temporary directory; on failure it
//    prints the end of the wrangler log;
//  - helpers: machine/source description, percentiles, free ports, workerd process memory.
//
// Only Node built-ins.

import { spawn, spawnSync } from "node:child_process";
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const HOST = "127.0.0.1";
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const LOCAL_NODE = path.join(ROOT, "node_modules", ".bin", "node");

export const log = (msg = "") => process.stdout.write(`${msg}\n`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function nodeForWrangler() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > 22 || (major === 22 && minor >= 12)) return process.execPath;
  if (existsSync(LOCAL_NODE)) return LOCAL_NODE;
  throw new Error(`wrangler needs Node >= 22.12 (this is ${process.version}); run \`npm install\` first`);
}

const childEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
};

// ---- processes and cleanup -----------------------------------------------------------------

const children = new Set();
const tempDirs = [];
const extraCleanups = [];
let logStream = null;
let logFile = null;

/** Runs wrangler in its own process group (so stopping it stops workerd too); output → log file. */
function wrangler(args) {
  const proc = spawn(nodeForWrangler(), [WRANGLER, ...args], {
    cwd: ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.add(proc);
  proc.stdout.pipe(logStream, { end: false });
  proc.stderr.pipe(logStream, { end: false });
  proc.exited = new Promise((resolve) => {
    proc.on("error", (err) => resolve({ code: 1, signal: null, error: err }));
    proc.on("exit", (code, signal) => resolve({ code, signal }));
  });
  proc.exited.then(() => children.delete(proc));
  return proc;
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(proc) {
  if (!groupAlive(proc.pid)) return;
  try {
    process.kill(-proc.pid, "SIGTERM");
  } catch {}
  const deadline = Date.now() + 10_000;
  while (groupAlive(proc.pid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(proc.pid)) {
    log(`wrangler (pid ${proc.pid}) did not stop within 10 s; killing its process group`);
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {}
  }
}

/** Something else to undo in cleanup (e.g. client processes of a bench), run before wrangler stops. */
export function onCleanup(fn) {
  extraCleanups.push(fn);
}

let cleaning = null;
/** Stops every wrangler process group and removes the temporary directories (once). */
export function cleanup() {
  cleaning ??= (async () => {
    for (const fn of extraCleanups) {
      try {
        await fn();
      } catch {}
    }
    for (const proc of [...children]) await stop(proc);
    logStream?.end();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}

let interrupted = null;

/**
 * Runs a bench: `main()` then cleanup, always; exits the process with 0, 1 (failure, with the end
 * of the wrangler log) or 128+n (interrupted by a signal).
 */
export async function runBench(name, main) {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = signal;
      log(`${signal}: stopping wrangler`);
      cleanup().finally(() => process.exit(128 + (os.constants.signals[signal] ?? 1)));
    });
  }
  let exitCode = 0;
  try {
    await main();
  } catch (error) {
    exitCode = 1;
    if (!interrupted) {
      console.error(`${name} bench failed: ${error?.stack ?? error}`);
      await sleep(200); // let the log catch up
      if (logFile) {
        try {
          const text = readFileSync(logFile, "utf8");
          console.error(`--- last lines of the wrangler log ---\n${text.split("\n").slice(-40).join("\n")}`);
        } catch {}
      }
    }
  } finally {
    await cleanup();
  }
  if (interrupted) process.exit(128 + (os.constants.signals[interrupted] ?? 1));
  process.exit(exitCode);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---- the bench Worker ----------------------------------------------------------------------

/**
 * Copies the sources, applies the migrations and starts `wrangler dev` with the bench Worker.
 * Returns { base, port, dev, stateDir }.
 */
export async function startBenchWorker({ readyTimeoutMs = 120_000 } = {}) {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "dispatch-bench-"));
  tempDirs.push(stateDir);
  mkdirSync(path.join(ROOT, ".bench"), { recursive: true });
  const snapshot = mkdtempSync(path.join(ROOT, ".bench", "run-"));
  tempDirs.push(snapshot);
  for (const dir of ["src", "migrations"]) cpSync(path.join(ROOT, dir), path.join(snapshot, dir), { recursive: true });
  for (const file of ["bench-worker.ts", "wrangler.bench.toml"]) {
    cpSync(path.join(ROOT, "bench", file), path.join(snapshot, "bench", file));
  }
  const config = path.join(snapshot, "bench", "wrangler.bench.toml");
  logFile = path.join(stateDir, "wrangler.log");
  logStream = createWriteStream(logFile);
  logStream.on("error", () => {}); // a late line after the end must not crash the cleanup

  const migrate = wrangler(["d1", "migrations", "apply", "DB", "--local", "-c", config, "--persist-to", stateDir]);
  const migrated = await migrate.exited;
  if (migrated.code !== 0) throw new Error(`wrangler d1 migrations apply failed (${migrated.signal ?? `exit code ${migrated.code}`})`);

  const port = await freePort();
  const base = `http://${HOST}:${port}`;
  const dev = wrangler([
    "dev",
    "-c",
    config,
    "--local",
    "--ip",
    HOST,
    "--port",
    String(port),
    "--persist-to",
    stateDir,
    "--inspector-port",
    "0",
    "--show-interactive-dev-session=false",
  ]);
  await waitReady(base, dev, readyTimeoutMs);
  return { base, port, dev, stateDir };
}

async function waitReady(base, proc, readyTimeoutMs) {
  const deadline = Date.now() + readyTimeoutMs;
  let exited = false;
  proc.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {}
    await sleep(300);
  }
  throw new Error(exited ? "wrangler dev exited before it was ready" : `wrangler dev not ready within ${readyTimeoutMs / 1000} s`);
}

/**
 * The workerd processes of a `wrangler dev` (its process group), from /proc: wrangler runs two,
 * the proxy that listens on the dev port and forwards to the other, which runs the Worker and
 * its Durable Objects. Each: { pid, role: "proxy" | "worker", rssKiB, fds }. Linux only ([] elsewhere).
 */
export function workerdProcesses(dev, port) {
  const found = [];
  for (const pid of groupPids(dev.pid)) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (!args[0]?.endsWith("workerd")) continue;
      const role = args.some((a) => a === `--socket-addr=entry=${HOST}:${port}`) ? "proxy" : "worker";
      found.push({ pid, role, rssKiB: rssKiB(pid), fds: openFiles(pid) });
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** Pids of the live (not zombie) processes of a process group, from /proc ([] off Linux). */
export function groupPids(pgid) {
  if (!existsSync("/proc")) return [];
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

/** TCP ports a process listens on (IPv4 and IPv6), from /proc/<pid>/fd and /proc/net/tcp{,6}. */
export function listeningPorts(pid) {
  const inodes = new Set();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]);
    } catch {}
  }
  const ports = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== "0A") continue; // 0A = LISTEN
      if (inodes.has(cols[9])) ports.push(parseInt(cols[1].split(":")[1], 16));
    }
  }
  return ports;
}

/**
 * The address of the workerd that runs the Worker itself, behind wrangler dev's proxy: the
 * port of that process that answers the bench Worker's GET /health. Clients that connect there
 * skip the dev-only proxy (which production does not have, and which spends 4 file descriptors
 * per WebSocket). Throws if it cannot be found (not Linux, or nothing answers).
 */
export async function workerDirectUrl(dev, port) {
  const worker = workerdProcesses(dev, port).find((p) => p.role === "worker");
  if (!worker) throw new Error("the Worker's workerd process was not found under /proc");
  for (const candidate of listeningPorts(worker.pid)) {
    try {
      const res = await fetch(`http://${HOST}:${candidate}/health`, { signal: AbortSignal.timeout(2000) });
      const body = await res.json().catch(() => null);
      if (res.status === 200 && body?.ok === true) return `http://${HOST}:${candidate}`;
    } catch {}
  }
  throw new Error(`no port of workerd ${worker.pid} answers GET /health`);
}

/** Open file descriptors of a process (NaN if unknown). */
export function openFiles(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** VmRSS of a process in KiB, from /proc/<pid>/status (NaN if it is gone). */
export function rssKiB(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

// ---- description and statistics ------------------------------------------------------------

/** The commit measured, and whether src/ or migrations/ differ from it. */
export function sourceVersion() {
  const git = (...args) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  const head = git("rev-parse", "--short", "HEAD");
  if (head.status !== 0) return "not a git checkout";
  const dirty = git("status", "--porcelain", "--", "src", "migrations").stdout.trim() !== "";
  return `commit ${head.stdout.trim()}, src/ and migrations/ ${dirty ? "WITH uncommitted changes" : "as committed"}`;
}

/** Logs the machine, Node, workerd, load average and source lines every workerd bench starts with. */
export async function describeMachine() {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const workerd = await new Promise((resolve) => {
    const p = spawn(path.join(ROOT, "node_modules", ".bin", "workerd"), ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("error", () => resolve("workerd ?"));
    p.on("exit", () => resolve(out.trim() || "workerd ?"));
  });
  log(`machine: ${os.availableParallelism()} CPU(s), ${cpu}; Node ${process.version}; ${workerd} (wrangler dev --local)`);
  log(`load average at start: ${loadAverage()}`);
  log(`source: ${sourceVersion()} (copied for this run)`);
}

export const loadAverage = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

/** p50 / p99 / mean (and max) of a list of numbers; the nearest-rank percentile. */
export function percentiles(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length, max: sorted.at(-1) };
}
