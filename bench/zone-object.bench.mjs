#!/usr/bin/env node
// Zone object benchmark: ONE ZoneDispatcher in local workerd (`wrangler dev`), driven through its
// RPC methods by the bench Worker (bench/bench-worker.ts, config bench/wrangler.bench.toml).
//  1-2. starts the bench Worker with bench/harness.mjs: a copy of src/, migrations/ and the bench
//     Worker in .bench/run-* (wrangler dev restarts the Worker when a source changes; others may
//     be editing src/), the D1 migrations applied into a fresh temporary --persist-to directory,
//     `wrangler dev -c <copy>/bench/wrangler.bench.toml` on a free port (its output goes to a
//     log file in that directory, printed only if something fails),
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

import { describeMachine, loadAverage, log, percentiles, runBench, startBenchWorker } from "./harness.mjs";

const ROUNDS = Number(process.env.BENCH_ZONE_ROUNDS || 5);
const PER = Number(process.env.BENCH_ZONE_PER || 200);
const READY_TIMEOUT_MS = 1000 * Number(process.env.BENCH_ZONE_READY_TIMEOUT_SECONDS || 120);

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

async function main() {
  await describeMachine();
  ({ base: BASE } = await startBenchWorker({ readyTimeoutMs: READY_TIMEOUT_MS }));

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
  log(`load average at end: ${loadAverage()}`);
  log("targets (README \"Performance\"):");
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
  log("  (cycle ÷ no-op is the figure as the target words it; a cycle is two calls, so it cannot go below 2.0)");
}

await runBench("zone-object", main);
