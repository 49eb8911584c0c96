#!/usr/bin/env node
// Soak: the service as `npm start` runs it (wrangler dev, local D1 and Durable Objects, demo
// data), under steady load for a fixed time, with its memory read from outside (RSS of every
// process) and from inside (V8 heap snapshots through wrangler dev's inspector port).
//
// Load, all at once, for warm-up + steady seconds (bench/README.md "soak.bench.mjs"):
//  - the driver simulator (scripts/simulator) in this process: SOAK_DRIVERS drivers on sockets,
//    reporting locations, accepting offers and delivering; deliveries created at SOAK_RATE/s
//    (create → offer → accept → picked_up → in_transit → delivered);
//  - cancels at SOAK_CANCEL_RATE/s: create (manual dispatch) → open the customer's socket with
//    the tracking token → cancel → the cancellation reaches the socket → close;
//  - reads at SOAK_READ_RATE/s: a delivery, its audit, its tracking view, the zone, its board,
//    the drivers list, the metrics, in turn;
//  - one ops socket on the zone for the whole run.
// Every SOAK_SAMPLE_SECONDS: RSS of each process of `npm start` and the isolate's live heap
// after a full GC. Heap snapshots at the end of the warm-up and at the end of the steady phase
// (both under load); one more sample after the load has drained. Verdicts: RSS growth over the
// steady phase < 100 MB in total, the zone object's live heap growth < 10 MB.

import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { DEMO_ORG_ID } from "../scripts/seed-demo.mjs";
import { READ_BUDGET, TokenPool, WRITE_BUDGET, call } from "../scripts/simulator/api.mjs";
import { parseOptions } from "../scripts/simulator/options.mjs";
import { simulate } from "../scripts/simulator/run.mjs";
import { Stats } from "../scripts/simulator/stats.mjs";
import { seededRandom } from "../scripts/seeded-random.mjs";
import { HOST, ROOT, describeMachine, freePort, groupPids, loadAverage, log, onCleanup, rssKiB, runBench, sleep } from "./harness.mjs";
import { Inspector, analyse, growth } from "./heap-snapshot.mjs";

const env = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0`);
  return value;
};
const WARMUP_S = env("SOAK_WARMUP_SECONDS", 60);
const STEADY_S = env("SOAK_SECONDS", 300);
const SAMPLE_S = env("SOAK_SAMPLE_SECONDS", 30);
const RATE = env("SOAK_RATE", 4);
const CANCEL_RATE = env("SOAK_CANCEL_RATE", 2);
const READ_RATE = env("SOAK_READ_RATE", 10);
const DRIVERS = env("SOAK_DRIVERS", 100);
const TIME_SCALE = env("SOAK_TIME_SCALE", 120);
const RSS_LIMIT_MB = 100;
const ZONE_HEAP_LIMIT_MB = 10;
const ZONE_CLASS = "ZoneDispatcher";
const MB = 1024 * 1024;

const mb = (bytes) => (bytes / MB).toFixed(1);

// ---- the service, through npm start ---------------------------------------------------------

async function startService() {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "dispatch-soak-"));
  const port = await freePort();
  const inspectorPort = await freePort();
  const logFile = path.join(stateDir, "npm-start.log");
  const out = openSync(logFile, "a");
  const proc = spawn("npm", ["start"], {
    cwd: ROOT,
    detached: true, // its own process group: every process of npm start, found and stopped together
    stdio: ["ignore", out, out],
    env: {
      ...process.env,
      PORT: String(port),
      DISPATCH_STATE_DIR: path.join(stateDir, "state"),
      DISPATCH_INSPECTOR_PORT: String(inspectorPort),
      WRANGLER_SEND_METRICS: "false",
    },
  });
  let exited = false;
  proc.on("exit", () => (exited = true));
  onCleanup(async () => {
    try {
      process.kill(-proc.pid, "SIGTERM");
    } catch {}
    for (let i = 0; i < 100 && groupPids(proc.pid).length > 0; i++) await sleep(100);
    try {
      process.kill(-proc.pid, "SIGKILL");
    } catch {}
    rmSync(stateDir, { recursive: true, force: true });
  });
  const deadline = Date.now() + 180_000;
  while (!readFileSync(logFile, "utf8").includes("Dispatch v2 listening")) {
    if (exited) throw new Error(`npm start exited:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`npm start not ready within 180 s:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
    await sleep(300);
  }
  return { url: `http://${HOST}:${port}`, port, inspectorUrl: `ws://${HOST}:${inspectorPort}/ws`, pgid: proc.pid };
}

/** What each process of `npm start` is: npm, start.mjs, wrangler, workerd (worker | dev proxy). */
function roleOf(pid, port) {
  const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  if (args[0]?.endsWith("workerd")) return args.includes(`--socket-addr=entry=${HOST}:${port}`) ? "workerd-proxy" : "workerd-worker";
  const script = args.slice(1).find((a) => !a.startsWith("-")) ?? args[0] ?? "?";
  if (script.includes("wrangler")) return "wrangler";
  if (script.endsWith("start.mjs")) return "start.mjs";
  if (script.includes("npm")) return "npm";
  return path.basename(script);
}

/** RSS in bytes per role (summed when a role has several processes), and the total. */
function rssByRole(service) {
  const roles = {};
  for (const pid of groupPids(service.pgid)) {
    try {
      const role = roleOf(pid, service.port);
      const kib = rssKiB(pid);
      if (Number.isFinite(kib)) roles[role] = (roles[role] ?? 0) + kib * 1024;
    } catch {}
  }
  const total = Object.values(roles).reduce((s, x) => s + x, 0);
  return { roles, total };
}

// ---- load beyond the simulator ---------------------------------------------------------------

/** Runs `job(i)` at `rate` per second until `until()`; never more than `maxInFlight` at once. */
async function paced(rate, until, job, maxInFlight = 16) {
  if (rate <= 0) return;
  const start = Date.now();
  const running = new Set();
  for (let i = 0; !until(); i++) {
    const due = start + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    while (running.size >= maxInFlight) await Promise.race(running);
    const p = job(i).finally(() => running.delete(p));
    running.add(p);
  }
  await Promise.all(running);
}

function customerSocket(url, orderId, token) {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/v2/orders/${encodeURIComponent(orderId)}/ws?token=${encodeURIComponent(token)}`);
  const messages = [];
  const waiters = [];
  ws.on("message", (data) => {
    const text = String(data);
    messages.push(text);
    for (const w of waiters.splice(0)) w();
  });
  const opened = new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`customer socket: HTTP ${res.statusCode}`)));
  });
  const waitFor = async (test, ms) => {
    const deadline = Date.now() + ms;
    while (!messages.some(test)) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, deadline - Date.now());
      });
    }
    return true;
  };
  return { ws, opened, waitFor };
}

function opsSocket(url, zoneId, token, counts) {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/v2/admin/zones/${zoneId}/ws`, { headers: { Authorization: `Bearer ${token}` } });
  ws.on("message", () => counts.opsEvents++);
  ws.on("error", () => counts.errors.set("ops_socket", (counts.errors.get("ops_socket") ?? 0) + 1));
  return ws;
}

// ---- the bench -------------------------------------------------------------------------------

async function main() {
  await describeMachine();
  log(
    `soak: warm-up ${WARMUP_S} s, steady ${STEADY_S} s; ${DRIVERS} simulated drivers, ${RATE} deliveries/s delivered, ${CANCEL_RATE}/s cancelled, ${READ_RATE} reads/s; samples every ${SAMPLE_S} s`,
  );
  const service = await startService();
  log(`npm start ready at ${service.url}`);
  const inspector = await Inspector.connect(service.inspectorUrl);
  onCleanup(() => inspector.close());

  const services = new TokenPool({ role: "service", org: DEMO_ORG_ID, budget: WRITE_BUDGET });
  const readers = new TokenPool({ role: "ops", org: DEMO_ORG_ID, budget: READ_BUDGET });
  const zone = (await call(service.url, "GET", "/v2/admin/zones", readers.acquire())).zones[0];

  const counts = { cancelCycles: 0, cancelSeen: 0, reads: 0, opsEvents: 0, errors: new Map() };
  const fail = (kind) => counts.errors.set(kind, (counts.errors.get(kind) ?? 0) + 1);

  // The simulator: it sets up its drivers, then creates deliveries at RATE for the whole run.
  const stats = new Stats();
  const controller = new AbortController();
  const simOptions = parseOptions([
    "--url", service.url,
    "--zone", zone.id,
    "--drivers", String(DRIVERS),
    "--deliveries", String(Math.ceil(RATE * (WARMUP_S + STEADY_S))),
    "--rate", String(RATE),
    "--time-scale", String(TIME_SCALE),
    "--prep-minutes", "0",
    "--location-interval", "3",
    "--max-trip-km", "4",
    "--drain-timeout", "120",
    "--seed", "15",
    "--no-progress",
  ]);
  const simDone = simulate(simOptions, { signal: controller.signal, stats, log: (line) => log(`  [simulate] ${line}`) });
  onCleanup(() => controller.abort());
  while (stats.deliveriesCreated === 0) {
    if (await Promise.race([simDone.then(() => true), sleep(200).then(() => false)])) throw new Error("the simulator ended before creating a delivery");
  }
  const loadStart = Date.now();
  const elapsed = () => ((Date.now() - loadStart) / 1000).toFixed(0);
  log(`load started (${stats.driversOnline} drivers online)`);
  const ops = opsSocket(service.url, zone.id, await readers.acquire(), counts);
  onCleanup(() => ops.close());

  let loadOver = false;
  const until = () => loadOver;
  const random = seededRandom(1515);
  const [[west, south], , [east, north]] = zone.polygon.coordinates[0];
  const point = () => ({ lat: south + (north - south) * (0.1 + 0.8 * random()), lon: west + (east - west) * (0.1 + 0.8 * random()) });
  const tag = Date.now().toString(36);
  const recent = []; // { id, orderId } of the last 100 deliveries the cancel loop made, for the reads
  const latest = () => recent.at(-1);

  const cancels = paced(CANCEL_RATE, until, async (i) => {
    const orderId = `soak-${tag}-${i}`;
    try {
      const created = await call(service.url, "POST", "/v2/deliveries", services.acquire(), {
        expected: 201,
        headers: { "Idempotency-Key": orderId },
        body: { sellerOrderId: orderId, storeName: "Soak store", pickup: point(), dropoff: point(), customer: { name: "Soak customer", phone: `+9197${String(i).padStart(8, "0")}` }, dispatch: "manual" },
      });
      recent.push({ id: created.id, orderId });
      if (recent.length > 100) recent.shift();
      const socket = customerSocket(service.url, orderId, created.trackingToken);
      try {
        await socket.opened;
        await call(service.url, "POST", `/v2/deliveries/${created.id}/cancel`, services.acquire(), { body: { reason: "soak: customer changed their mind" } });
        counts.cancelCycles++;
        if (await socket.waitFor((m) => m.includes('"cancelled"'), 5_000)) counts.cancelSeen++;
        else fail("cancel_not_on_customer_socket");
      } finally {
        socket.ws.close();
      }
    } catch (error) {
      fail(`cancel_cycle:${error.kind ?? error.message}`);
    }
  });

  const readsOf = [
    () => latest() && `/v2/admin/deliveries/${latest().id}`,
    () => latest() && `/v2/admin/deliveries/${latest().id}/audit`,
    () => latest() && `/v2/orders/${latest().orderId}/delivery-status`,
    () => `/v2/admin/zones/${zone.id}`,
    () => `/v2/admin/zones/${zone.id}/board`,
    () => `/v2/drivers?zoneId=${zone.id}`,
    () => "/v2/admin/metrics",
  ];
  const reads = paced(READ_RATE, until, async (i) => {
    const route = readsOf[i % readsOf.length]();
    if (!route) return;
    try {
      const res = await fetch(`${service.url}${route}`, { headers: { Authorization: `Bearer ${await readers.acquire()}` } });
      await res.arrayBuffer();
      if (res.status === 200) counts.reads++;
      else fail(`read_${res.status}`);
    } catch (error) {
      fail(`read:${error.message}`);
    }
  });

  // ---- samples and snapshots -------------------------------------------------------------
  const samples = [];
  const sample = async (label) => {
    const heap = await inspector.liveHeapBytes();
    const rss = rssByRole(service);
    samples.push({ t: Number(elapsed()), label, heap, rss });
    const roles = Object.entries(rss.roles)
      .sort()
      .map(([role, bytes]) => `${role} ${mb(bytes)}`)
      .join(", ");
    log(
      `  t=${elapsed().padStart(4)} s ${label.padEnd(8)} RSS total ${mb(rss.total)} MB (${roles}); isolate live heap ${mb(heap)} MB; delivered ${stats.delivered}, cancelled ${counts.cancelCycles}, reads ${counts.reads}; load ${loadAverage()}`,
    );
    return samples.at(-1);
  };
  const snapshot = async (label) => {
    const t = Date.now();
    const result = analyse(await inspector.snapshot(), [ZONE_CLASS]);
    log(
      `  snapshot ${label}: ${result.nodes} nodes, live ${mb(result.liveBytes)} MB, ${ZONE_CLASS} ×${result.retained[ZONE_CLASS].instances} retains ${mb(result.retained[ZONE_CLASS].bytes)} MB (${Date.now() - t} ms)`,
    );
    return result;
  };
  const sampleUntil = async (endMs, label) => {
    while (Date.now() + SAMPLE_S * 1000 <= endMs + 1000) {
      await sleep(SAMPLE_S * 1000);
      await sample(label);
    }
    if (endMs > Date.now()) await sleep(endMs - Date.now());
  };

  // A snapshot costs the workerd that takes it memory of its own (the graph, the JSON): the
  // steady phase starts after the first and ends before the second, so that cost is not counted.
  await sample("start");
  await sampleUntil(loadStart + WARMUP_S * 1000, "warm-up");
  const snapWarm = await snapshot("end of warm-up");
  const warm = await sample("warm");
  const steadyFrom = Date.now();
  await sampleUntil(steadyFrom + STEADY_S * 1000, "steady");
  const end = await sample("end");
  const snapEnd = await snapshot("end of steady");
  loadOver = true;
  await Promise.all([cancels, reads]);
  const summary = await simDone;
  ops.close();
  await sleep(10_000);
  // No snapshot here: once the load has stopped, a snapshot through wrangler's inspector proxy
  // has taken minutes (seen twice), and the two under load are the ones compared.
  const drained = await sample("drained");
  const zoneAfter = await call(service.url, "GET", `/v2/admin/zones/${zone.id}`, readers.acquire());

  // ---- summary ----------------------------------------------------------------------------
  const steadySeconds = ((end.t - warm.t) || 1);
  log("");
  log(`work: ${stats.delivered} delivered by the simulator (${summary.ok ? "every exactly-once check held" : `checks: ${JSON.stringify(summary.checks)}`}), ${counts.cancelCycles} cancelled (${counts.cancelSeen} seen on the customer's socket), ${counts.reads} reads, ${counts.opsEvents} ops socket events`);
  log(`errors: simulator ${JSON.stringify(Object.fromEntries(stats.errors))}; other load ${JSON.stringify(Object.fromEntries(counts.errors))}`);
  log(`zone after drain: health ${JSON.stringify(zoneAfter.health)}`);
  log("");
  log(`RSS over the steady phase (${steadySeconds} s, after ${WARMUP_S} s of warm-up):`);
  for (const role of Object.keys(end.rss.roles).sort()) {
    log(`  ${role.padEnd(15)} ${mb(warm.rss.roles[role] ?? 0).padStart(7)} → ${mb(end.rss.roles[role]).padStart(7)} MB  (${mb(end.rss.roles[role] - (warm.rss.roles[role] ?? 0))} MB)`);
  }
  const rssGrowth = end.rss.total - warm.rss.total;
  log(`  ${"total".padEnd(15)} ${mb(warm.rss.total).padStart(7)} → ${mb(end.rss.total).padStart(7)} MB  (${mb(rssGrowth)} MB); after drain ${mb(drained.rss.total)} MB`);
  const steadySamples = samples.filter((x) => x.t >= warm.t && x.t <= end.t);
  log(`  total RSS per sample of the steady phase: ${steadySamples.map((x) => `${x.t} s ${mb(x.rss.total)}`).join(", ")}`);
  log(`isolate live heap (Worker and zone objects, after a full GC): ${mb(warm.heap)} → ${mb(end.heap)} MB; after drain ${mb(drained.heap)} MB`);
  const zoneGrowth = snapEnd.retained[ZONE_CLASS].bytes - snapWarm.retained[ZONE_CLASS].bytes;
  log(`zone object (${ZONE_CLASS} retained): ${mb(snapWarm.retained[ZONE_CLASS].bytes)} → ${mb(snapEnd.retained[ZONE_CLASS].bytes)} MB (${mb(zoneGrowth)} MB)`);
  log("largest growth by constructor (other nodes by type), end of warm-up → end of steady (count, self size):");
  for (const row of growth(snapWarm, snapEnd, 10)) {
    log(`  ${row.name.slice(0, 40).padEnd(40)} ${String(row.count).padStart(7)}  ${(row.bytes / 1024).toFixed(0).padStart(7)} KiB   (now ${row.countAfter} objects, ${(row.bytesAfter / 1024).toFixed(0)} KiB)`);
  }
  log("");
  log(`verdict: RSS growth ${mb(rssGrowth)} MB over ${steadySeconds} s (target < ${RSS_LIMIT_MB} MB): ${rssGrowth < RSS_LIMIT_MB * MB ? "met" : "NOT met"}`);
  log(`verdict: zone live heap growth ${mb(zoneGrowth)} MB (target < ${ZONE_HEAP_LIMIT_MB} MB): ${zoneGrowth < ZONE_HEAP_LIMIT_MB * MB ? "met" : "NOT met"}`);
  if (STEADY_S < 300 || WARMUP_S < 60) log("(a short run: the targets are for 60 s of warm-up and 300 s of steady load)");
  // Memory figures of a load that failed prove nothing: the run fails instead.
  if (!summary.ok || counts.errors.size > 0) {
    throw new Error("the load did not run cleanly (see the work and errors lines above)");
  }
}

runBench("soak", main);
