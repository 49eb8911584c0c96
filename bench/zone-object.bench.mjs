#!/usr/bin/env node
// Zone object benchmark: ONE ZoneDispatcher in local workerd (`wrangler dev`), driven through its
// RPC methods by the bench Worker (bench/bench-worker.ts, config bench/wrangler.bench.toml).
//  1. copies src/, migrations/ and the bench Worker to .bench/run-* (wrangler dev restarts the
//     Worker when a source changes; others may be editing src/), and applies the D1 migrations
//     into a fresh temporary --persist-to directory,
//  2. starts `wrangler dev -c <copy>/bench/wrangler.bench.toml` on a free port (its output goes
//     to a log file in that directory, printed only if something fails),
//  3. sets up the zone object (manual dispatch; available drivers and manual deliveries, enough
//     that every offer goes to a fresh driver: drivers stay busy after accepting), outbox held,
//  4. phase 1, outbox held (flushes fail at once, as if D1 were down): R rounds of one block of
//     K calls each of noop(), a raw 1- and 8-statement SQL write (the storage floor),
//     createOffer(), acceptOffer() (of the offers just created) and create+accept cycles,
//  5. audit flush: lets the outbox go and times flushOutbox() until it is empty (events/s into
//     local D1, checked against the rows that arrived in D1),
//  6. phase 2, flush live (production behaviour): the same rounds on fresh drivers,
//  7. stops wrangler (its whole process group) and removes the copy and the temporary
//     directory, always.
//
// Means, calls/s and ratios come from Node's clock around each block (less an empty request's
// time): workerd's clock moves in whole milliseconds and reads low (the /clock probe prints by
// how much). Per-call p50/p99 are workerd's per-call readings, so they have 1 ms steps.
//
// Env: BENCH_ZONE_ROUNDS (default 5), BENCH_ZONE_PER (calls per block, default 200; no-op
// blocks are twice as long), BENCH_ZONE_READY_TIMEOUT_SECONDS (default 120). Only Node built-ins.

import { spawn, spawnSync } from "node:child_process";
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const LOCAL_NODE = path.join(ROOT, "node_modules", ".bin", "node");
const HOST = "127.0.0.1";
const ROUNDS = Number(process.env.BENCH_ZONE_ROUNDS || 5);
const PER = Number(process.env.BENCH_ZONE_PER || 200);
const READY_TIMEOUT_MS = 1000 * Number(process.env.BENCH_ZONE_READY_TIMEOUT_SECONDS || 120);

const log = (msg) => process.stdout.write(`${msg}\n`);

function nodeForWrangler() {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major > 22 || (major === 22 && minor >= 12)) return process.execPath;
  if (existsSync(LOCAL_NODE)) return LOCAL_NODE;
  throw new Error(`wrangler needs Node >= 22.12 (this is ${process.version}); run \`npm install\` first`);
}
const NODE = nodeForWrangler();

const STATE_DIR = mkdtempSync(path.join(os.tmpdir(), "dispatch-bench-"));

// wrangler dev rebuilds and restarts the Worker (and the zone object) when a source file changes.
// Others may edit src/ while this runs, so wrangler gets a copy of the sources taken now, inside
// the project (so node_modules resolves) under the git-ignored .bench/ folder.
mkdirSync(path.join(ROOT, ".bench"), { recursive: true });
const SNAPSHOT = mkdtempSync(path.join(ROOT, ".bench", "run-"));
for (const dir of ["src", "migrations"]) cpSync(path.join(ROOT, dir), path.join(SNAPSHOT, dir), { recursive: true });
for (const file of ["bench-worker.ts", "wrangler.bench.toml"]) {
  cpSync(path.join(ROOT, "bench", file), path.join(SNAPSHOT, "bench", file));
}
const CONFIG = path.join(SNAPSHOT, "bench", "wrangler.bench.toml");
const LOG_FILE = path.join(STATE_DIR, "wrangler.log");
const logStream = createWriteStream(LOG_FILE);
logStream.on("error", () => {}); // a late line after the end must not crash the cleanup
const childEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
};

// ---- processes -----------------------------------------------------------------------------

const children = new Set();

/** Runs wrangler in its own process group (so stopping it stops workerd too); output → log file. */
function wrangler(args) {
  const proc = spawn(NODE, [WRANGLER, ...args], {
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
  while (groupAlive(proc.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(proc.pid)) {
    log(`wrangler (pid ${proc.pid}) did not stop within 10 s; killing its process group`);
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {}
  }
}

let cleaning = null;
/** Stops every wrangler process group and removes the temporary directory (once). */
function cleanup() {
  cleaning ??= (async () => {
    for (const proc of [...children]) await stop(proc);
    logStream.end();
    rmSync(STATE_DIR, { recursive: true, force: true });
    rmSync(SNAPSHOT, { recursive: true, force: true });
  })();
  return cleaning;
}

let interrupted = null;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = signal;
    log(`${signal}: stopping wrangler`);
    cleanup().finally(() => process.exit(128 + (os.constants.signals[signal] ?? 1)));
  });
}

function freePort() {
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

// ---- statistics ----------------------------------------------------------------------------

function percentiles(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), mean: sorted.reduce((s, x) => s + x, 0) / sorted.length };
}

// ---- bench Worker calls --------------------------------------------------------------------

let BASE = "";

async function call(route, params = {}, body = undefined) {
  const url = `${BASE}${route}?${new URLSearchParams({ zone: "bench", ...params })}`;
  const init = { method: "POST", signal: AbortSignal.timeout(300_000) };
  if (body !== undefined) Object.assign(init, { body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  const t0 = performance.now();
  const res = await fetch(url, init);
  const json = await res.json().catch(() => ({ error: `HTTP ${res.status}, not JSON` }));
  const wallMs = performance.now() - t0;
  if (!res.ok || json.error) throw new Error(`${route}: ${json.error ?? `HTTP ${res.status}`}`);
  return { ...json, wallMs };
}

async function waitReady(proc) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exited = false;
  proc.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(`${BASE}/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(exited ? "wrangler dev exited before it was ready" : `wrangler dev not ready within ${READY_TIMEOUT_MS / 1000} s`);
}

/** Median wall time of an empty request: subtracted from every timed block. */
async function httpOverheadMs() {
  const walls = [];
  for (let i = 0; i < 40; i++) walls.push((await call("/empty")).wallMs);
  return percentiles(walls.slice(10)).p50;
}

/**
 * One kind of call, accumulated over blocks: the wall-clock time of each block (Node's clock, less
 * the HTTP overhead) gives the mean; per-call p50/p99 come from the in-Worker samples.
 */
class Kind {
  constructor(label) {
    this.label = label;
    this.calls = 0;
    this.wallMs = 0;
    this.workerMs = 0;
    this.samples = [];
  }
  add(block, overheadMs, samples = block.samples) {
    this.calls += samples.length;
    this.wallMs += Math.max(0, block.wallMs - overheadMs);
    this.workerMs += block.totalMs;
    this.samples.push(...samples);
  }
  get mean() {
    return this.wallMs / this.calls;
  }
  line() {
    const p = percentiles(this.samples);
    const f = (x, d = 3) => x.toFixed(d).padStart(8);
    return `  ${this.label.padEnd(34)}${f(this.mean)}${(1000 / this.mean).toFixed(0).padStart(9)}${f(p.p50, 0)}${f(p.p99, 0)}${f(this.workerMs / this.calls)}${String(this.calls).padStart(7)}`;
  }
}
const TABLE_HEADER =
  `  ${"per call".padEnd(34)}${"mean ms".padStart(8)}${"calls/s".padStart(9)}${"p50".padStart(8)}${"p99".padStart(8)}${"in-W ms".padStart(8)}${"n".padStart(7)}`;

/** R rounds of one block of each kind, on drivers/deliveries from `first` on; returns the kinds. */
async function phase(title, first, overheadMs) {
  const k = {
    noop: new Kind("noop()"),
    write1: new Kind("raw SQL write, 1 statement"),
    write8: new Kind("raw SQL write, 8 statements"),
    create: new Kind("createOffer()"),
    accept: new Kind("acceptOffer()"),
    cycle: new Kind("create+accept cycle"),
  };
  let next = first;
  for (let r = 0; r < ROUNDS; r++) {
    k.noop.add(await call("/noop", { n: 2 * PER }), overheadMs); // cheap calls: a longer block
    k.write1.add(await call("/write", { n: PER, statements: 1, bytes: 1000 }), overheadMs);
    k.write8.add(await call("/write", { n: PER, statements: 8, bytes: 1000 }), overheadMs);
    const created = await call("/create", { n: PER, first: next });
    k.create.add(created, overheadMs);
    k.accept.add(await call("/accept", {}, { first: next, offerIds: created.offerIds }), overheadMs);
    next += PER;
    k.cycle.add(await call("/cycle", { n: PER, first: next }), overheadMs);
    next += PER;
  }
  const r = (a, b) => (a / b).toFixed(2);
  log(`${title}: ${ROUNDS} rounds × one block of ${PER} calls of each kind (${2 * PER} no-op calls)`);
  log(TABLE_HEADER);
  for (const kind of Object.values(k)) log(kind.line());
  log(`  throughput: ${(1000 / k.noop.mean).toFixed(0)} no-op calls/s vs ${(1000 / k.cycle.mean).toFixed(0)} create+accept cycles/s`);
  log(
    `  ratios (wall-clock means): create ÷ no-op ${r(k.create.mean, k.noop.mean)}, accept ÷ no-op ${r(k.accept.mean, k.noop.mean)}, ` +
      `cycle ÷ (2 × no-op) ${r(k.cycle.mean, 2 * k.noop.mean)}, cycle ÷ no-op ${r(k.cycle.mean, k.noop.mean)}; ` +
      `storage floor: 1-statement write ÷ no-op ${r(k.write1.mean, k.noop.mean)}, 8-statement write ÷ no-op ${r(k.write8.mean, k.noop.mean)}`,
  );
  return { kinds: k, next };
}

// ---- run -----------------------------------------------------------------------------------

/** The commit measured, and whether src/ or migrations/ differ from it. */
function sourceVersion() {
  const git = (...args) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  const head = git("rev-parse", "--short", "HEAD");
  if (head.status !== 0) return "not a git checkout";
  const dirty = git("status", "--porcelain", "--", "src", "migrations").stdout.trim() !== "";
  return `commit ${head.stdout.trim()}, src/ and migrations/ ${dirty ? "WITH uncommitted changes" : "as committed"}`;
}

async function main() {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const workerd = await new Promise((resolve) => {
    const p = spawn(path.join(ROOT, "node_modules", ".bin", "workerd"), ["--version"], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("error", () => resolve("workerd ?"));
    p.on("exit", () => resolve(out.trim() || "workerd ?"));
  });
  log(`machine: ${os.availableParallelism()} CPU(s), ${cpu}; Node ${process.version}; ${workerd} (wrangler dev --local)`);
  log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  log(`source: ${sourceVersion()} (copied for this run)`);

  const migrate = wrangler(["d1", "migrations", "apply", "DB", "--local", "-c", CONFIG, "--persist-to", STATE_DIR]);
  const migrated = await migrate.exited;
  if (migrated.code !== 0) throw new Error(`wrangler d1 migrations apply failed (${migrated.signal ?? `exit code ${migrated.code}`})`);

  const port = await freePort();
  BASE = `http://${HOST}:${port}`;
  const dev = wrangler([
    "dev",
    "-c",
    CONFIG,
    "--local",
    "--ip",
    HOST,
    "--port",
    String(port),
    "--persist-to",
    STATE_DIR,
    "--inspector-port",
    "0",
    "--show-interactive-dev-session=false",
  ]);
  await waitReady(dev);

  // ONE zone object, with enough fresh drivers and deliveries for every offer of both phases.
  const needed = 4 * ROUNDS * PER;
  await call("/hold", { on: "1" }); // before setup, so its rows stay for the flush measurement
  const setup = await call("/setup", { drivers: needed, deliveries: needed });
  const { instance } = await call("/instance");
  log(`zone set up: ${setup.drivers} available drivers, ${setup.deliveries} manual deliveries (${(setup.wallMs / 1000).toFixed(1)} s, not timed)`);

  const overheadMs = await httpOverheadMs();
  const probe = await call("/clock", { calls: 200 });
  log(
    `clocks: an empty HTTP request to the bench Worker takes ${overheadMs.toFixed(2)} ms (subtracted from each block); ` +
      `in workerd, performance.now() moved in whole ms (${probe.perfFractional}/200 sub-ms readings, ${probe.perfZero}/200 zero) ` +
      `and summed to ${(probe.perfMeanMs * 200).toFixed(0)} ms over 200 no-op calls that took ${(probe.wallMs - overheadMs).toFixed(0)} ms of wall clock`,
  );
  log("  → means and calls/s below are Node's wall clock per block; p50/p99 are per call on workerd's clock (1 ms steps, reads low)");
  log("");

  // Phase 1: outbox held, so the flush alarm sends nothing while the calls run.
  const held = await phase("phase 1, outbox held (decision commits only; flush attempts fail at once)", 0, overheadMs);
  log("");

  // Audit flush: everything written so far (setup + phase 1) goes to D1.
  const rows = (await call("/outbox")).rows;
  const d1Before = (await call("/d1rows")).rows;
  const fl = await call("/flush");
  const flushMs = fl.wallMs - overheadMs;
  const d1Added = (await call("/d1rows")).rows - d1Before;
  const left = (await call("/outbox")).rows;
  const eventsPerSecond = rows / (flushMs / 1000);
  const batch = percentiles(fl.samples);
  log(`audit flush: ${rows} outbox rows (delivery audit + availability history) → local D1 by flushOutbox(), ${fl.samples.length} calls of one batch (≤ 200 rows)`);
  log(
    `  ${flushMs.toFixed(0)} ms wall clock → ${eventsPerSecond.toFixed(0)} events/s; per batch on workerd's clock p50 ${batch.p50.toFixed(0)} ms, p99 ${batch.p99.toFixed(0)} ms ` +
      `(in-Worker total ${fl.totalMs.toFixed(0)} ms)`,
  );
  log(`  check: ${d1Added} rows arrived in D1, ${left} left in the outbox`);
  if (d1Added !== rows || left !== 0) throw new Error("the flush did not move every outbox row to D1");
  log("");

  // Phase 2: flush live, as in production.
  await call("/flushes"); // reset the counts
  const live = await phase("phase 2, flush live (production behaviour: the alarm sends new outbox rows to D1 during the calls)", held.next, overheadMs);
  const sent = await call("/flushes");
  const decisions = 4 * ROUNDS * PER; // create, accept and the two halves of each cycle
  log(
    `  outbox → D1 during phase 2: ${sent.batches} batches (D1 round trips) for ${sent.rows} rows = ${(sent.rows / Math.max(1, sent.batches)).toFixed(1)} rows per batch, ` +
      `${(sent.batches / decisions).toFixed(2)} batches per decision call (${decisions} calls)`,
  );
  log("");

  if ((await call("/instance")).instance !== instance) {
    throw new Error("the zone object was restarted during the run, so its figures are mixed; run the bench again");
  }
  log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  log('targets (DESIGN.md "Performance targets"):');
  for (const [name, { kinds: k }] of [
    ["flush live", live],
    ["outbox held", held],
  ]) {
    const cycleRatio = k.cycle.mean / k.noop.mean;
    const perCall = k.cycle.mean / (2 * k.noop.mean);
    log(
      `  create+accept cycle ≤ 2× a no-op call (${name}): cycle ÷ no-op = ${cycleRatio.toFixed(2)} → ${cycleRatio <= 2 ? "MET" : "MISSED"}` +
        `; per decision call, cycle ÷ (2 × no-op) = ${perCall.toFixed(2)} → ${perCall <= 2 ? "within 2×" : "over 2×"}`,
    );
  }
  log(`  audit flush ≥ 5,000 events/s into local D1: ${eventsPerSecond.toFixed(0)} events/s → ${eventsPerSecond >= 5000 ? "MET" : "MISSED"}`);
  log("  (cycle ÷ no-op is the figure as DESIGN.md and the issue word it; a cycle is two calls, so it cannot go below 2.0)");
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  if (!interrupted) {
    console.error(`zone-object bench failed: ${error?.message ?? error}`);
    await new Promise((r) => setTimeout(r, 200)); // let the log catch up
    try {
      const text = readFileSync(LOG_FILE, "utf8");
      console.error(`--- last lines of the wrangler log ---\n${text.split("\n").slice(-40).join("\n")}`);
    } catch {}
  }
} finally {
  await cleanup();
}
if (interrupted) process.exit(128 + (os.constants.signals[interrupted] ?? 1));
process.exit(exitCode);
