/**
 * Matching benchmark (run by bench/matching.bench.mjs with tsx, in plain Node).
 *
 * Builds a ZoneState (memory archive) holding N available drivers with fresh `lastSeenAt`, spread
 * uniformly over a 40 km × 40 km square around Bengaluru (12.95, 77.60), and times:
 *  - one matching decision: `rankCandidates(new ZoneTx(state, now), request)` for a random pickup
 *    inside the square, default 5 km radius, no requirements (every driver in reach is eligible,
 *    the most work a decision can have): every eligible driver in the radius, ranked;
 *  - the nearest-first search `bestCandidates(tx, request, k)` that `matchDelivery` runs, for
 *    k = 1 (sequential mode) and k = 3 (the default broadcast size);
 *  - one full automatic round: `matchDelivery(new ZoneTx(state, now), deliveryId)` on a `ready`
 *    auto-dispatch delivery (audit + ranking + one offer), in a fresh tx that is never applied.
 * Then, as a control, the same decision at a constant density (the zone grows with N), which
 * separates the index's cost from the number of drivers within the radius.
 *
 * Env: BENCH_MATCHING_SECONDS (time budget per measurement, default 1.5), BENCH_MATCHING_SIZES
 * (comma-separated driver counts, default 1000,10000,50000).
 */
import os from "node:os";
import { DEFAULT_ZONE_SETTINGS } from "../src/contracts/zones";
import { matchDelivery } from "../src/domain/dispatch-round";
import { type MatchRequest, bestCandidates, rankCandidates } from "../src/domain/matching";
import type { DeliveryRecord, DriverRecord, ZoneConfig } from "../src/domain/model";
import { ZoneState, memoryArchive } from "../src/domain/zone-state";
import { ZoneTx } from "../src/domain/zone-tx";
import { seededRandom } from "../scripts/seeded-random.mjs";

const CENTER = { lat: 12.95, lon: 77.6 };
const SIDE_KM = 40;
const KM_PER_DEG_LAT = 111.32;
const RADIUS_KM = DEFAULT_ZONE_SETTINGS.searchRadiusKm;
const SECONDS = Number(process.env.BENCH_MATCHING_SECONDS || 1.5);
const SIZES = (process.env.BENCH_MATCHING_SIZES || "1000,10000,50000").split(",").map(Number);
const NOW = Date.parse("2026-02-01T10:00:00.000Z");
const ZONE_ID = "10000000-0000-4000-8000-000000000001";
const ORG_ID = "20000000-0000-4000-8000-000000000002";
const VEHICLES = ["bike", "scooter", "car", "van"] as const;


const uuid = (prefix: string, n: number) => `${prefix}-0000-4000-8000-${String(n).padStart(12, "0")}`;

interface Square {
  sideKm: number;
  point(rand: () => number): { lat: number; lon: number };
}

function square(sideKm: number): Square {
  const dLat = sideKm / 2 / KM_PER_DEG_LAT;
  const dLon = sideKm / 2 / (KM_PER_DEG_LAT * Math.cos((CENTER.lat * Math.PI) / 180));
  return {
    sideKm,
    point: (rand) => ({ lat: CENTER.lat - dLat + 2 * dLat * rand(), lon: CENTER.lon - dLon + 2 * dLon * rand() }),
  };
}

function zoneConfig(area: Square): ZoneConfig {
  const p = (fx: number, fy: number) => {
    const dLat = area.sideKm / 2 / KM_PER_DEG_LAT;
    const dLon = area.sideKm / 2 / (KM_PER_DEG_LAT * Math.cos((CENTER.lat * Math.PI) / 180));
    return [CENTER.lon + fx * dLon, CENTER.lat + fy * dLat];
  };
  const iso = new Date(NOW - 86_400_000).toISOString();
  return {
    id: ZONE_ID,
    orgId: ORG_ID,
    name: "Bengaluru bench",
    polygon: { type: "Polygon", coordinates: [[p(-1, -1), p(1, -1), p(1, 1), p(-1, 1), p(-1, -1)]] },
    priorityLevel: 3,
    minDriversOnline: 5,
    targetWaitTimeSeconds: 300,
    timezone: "Asia/Kolkata",
    settings: { ...DEFAULT_ZONE_SETTINGS },
    createdAt: iso,
    updatedAt: iso,
  } as ZoneConfig;
}

/** A zone holding `n` available drivers placed uniformly in `area`, as ZoneStore.load builds it. */
function buildZone(n: number, area: Square, seed: number): ZoneState {
  const rand = seededRandom(seed);
  const state = new ZoneState(memoryArchive());
  state.zone = zoneConfig(area);
  const iso = new Date(NOW - 3_600_000).toISOString();
  for (let i = 0; i < n; i++) {
    const at = area.point(rand);
    const offered = Math.floor(rand() * 200);
    const driver: DriverRecord = {
      id: uuid("d0000000", i),
      orgId: ORG_ID,
      zoneId: ZONE_ID,
      name: `Driver ${i}`,
      phone: `+9198${String(i).padStart(8, "0")}`,
      vehicle: "Activa",
      vehicleType: VEHICLES[i % VEHICLES.length] ?? "scooter",
      capabilities: rand() < 0.2 ? ["insulated_bag"] : [],
      rating: 4 + rand(),
      availability: "available",
      availabilityUntil: null,
      availabilityReason: null,
      availabilityChangedAt: iso,
      // Idle for up to an hour, heard from within the last 20 s (fresh: offlineAfterSeconds 90).
      idleSince: NOW - Math.floor(rand() * 3_600_000),
      lastSeenAt: NOW - Math.floor(rand() * 20_000),
      location: { ...at, recordedAt: iso },
      savedAt: NOW - 60_000,
      zonePreferences: rand() < 0.1 ? { [ZONE_ID]: "PREFERRED" } : {},
      historyVersion: 1,
      offerStats: { offered, accepted: Math.floor(offered * rand()) },
      createdAt: iso,
      updatedAt: iso,
    };
    state.putDriver(driver);
  }
  if (state.available.size !== n) throw new Error(`index holds ${state.available.size} drivers, expected ${n}`);
  return state;
}

function request(pickup: { lat: number; lon: number }): MatchRequest {
  return {
    pickup,
    requirements: {},
    excluded: new Set(),
    zoneId: ZONE_ID,
    radiusKm: RADIUS_KM,
    now: NOW,
    freshForMs: DEFAULT_ZONE_SETTINGS.offlineAfterSeconds * 1000,
  };
}

interface Stats {
  iterations: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

function stats(samplesNs: number[]): Stats {
  const sorted = [...samplesNs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const sum = sorted.reduce((s, x) => s + x, 0);
  return {
    iterations: sorted.length,
    p50: at(0.5) / 1000,
    p99: at(0.99) / 1000,
    mean: sum / sorted.length / 1000,
    max: (sorted.at(-1) ?? 0) / 1000,
  };
}

/**
 * Runs `step(i)` for warm-up (~1 s), then for SECONDS (at least 1,000 and at most 50,000 times),
 * timing each call alone with hrtime. Returns per-call nanoseconds.
 */
function measure(step: (i: number) => void): number[] {
  // Garbage of earlier measurements (whole zones) is collected first when --expose-gc is on.
  (globalThis as { gc?: () => void }).gc?.();
  const warmEnd = performance.now() + Math.min(1000, SECONDS * 700);
  let i = 0;
  while (performance.now() < warmEnd || i < 200) step(i++);
  const samples: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  while ((performance.now() < end || samples.length < 1000) && samples.length < 50_000) {
    const t0 = process.hrtime.bigint();
    step(i++);
    samples.push(Number(process.hrtime.bigint() - t0));
  }
  return samples;
}

const fmt = (us: number) => (us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2)).padStart(8);

/**
 * One matching decision over `state` for pickups drawn uniformly in `area`: every candidate
 * ranked (`limit` undefined) or the best `limit` by the nearest-first search.
 */
function benchDecision(state: ZoneState, area: Square, seed: number, limit?: number) {
  const rand = seededRandom(seed);
  const pickups = Array.from({ length: 4096 }, () => area.point(rand));
  const requests = pickups.map(request);
  let candidates = 0;
  let calls = 0;
  const samples = measure((i) => {
    const tx = new ZoneTx(state, NOW);
    const req = requests[i % requests.length]!;
    const found = limit === undefined ? rankCandidates(tx, req) : bestCandidates(tx, req, limit);
    candidates += found.length;
    calls++;
  });
  return { ...stats(samples), candidates: candidates / calls };
}

/** One full automatic round on a fresh tx (not applied, so the zone stays as it was). */
function benchRound(state: ZoneState, area: Square, seed: number) {
  const rand = seededRandom(seed);
  const ids: string[] = [];
  for (let i = 0; i < 2048; i++) {
    const pickup = area.point(rand);
    const delivery: DeliveryRecord = {
      id: uuid("e0000000", i),
      orgId: ORG_ID,
      zoneId: ZONE_ID,
      orderId: `order-${i}`,
      sellerOrderId: `order-${i}`,
      sellerId: null,
      storeName: "Bench store",
      pickup,
      dropoff: area.point(rand),
      priority: 50,
      estimatedPrepTimeMinutes: 5,
      requirements: {},
      customer: null,
      dispatch: "auto",
      status: "ready",
      statusReason: null,
      assignedDriverId: null,
      assignmentId: null,
      excludedDriverIds: [],
      autoOfferCount: 0,
      unassigned: null,
      trackingToken: `t${i}`,
      auditVersion: 1,
      createdAt: new Date(NOW - 1000).toISOString(),
      updatedAt: new Date(NOW - 1000).toISOString(),
    };
    state.putDelivery(delivery);
    ids.push(delivery.id);
  }
  let offers = 0;
  let calls = 0;
  const samples = measure((i) => {
    offers += matchDelivery(new ZoneTx(state, NOW), ids[i % ids.length]!).length;
    calls++;
  });
  for (const id of ids) {
    state.deliveries.delete(id);
    state.waiting.delete(id);
  }
  return { ...stats(samples), offers: offers / calls };
}

// ── run ──────────────────────────────────────────────────────────────────────────────────────

const cpu = os.cpus()[0]?.model ?? "unknown CPU";
console.log(`machine: ${os.availableParallelism()} CPU(s), ${cpu}; Node ${process.version} (${process.platform}/${process.arch})`);
console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
console.log(
  `zone: ${SIDE_KM} km × ${SIDE_KM} km square around (${CENTER.lat}, ${CENTER.lon}); radius ${RADIUS_KM} km; ` +
    `no requirements; ${SECONDS}s per measurement after warm-up; times in µs`,
);
console.log("");

const city = square(SIDE_KM);
type Row = { n: number; r: ReturnType<typeof benchDecision> };
const decisionRows: Row[] = [];
const best1Rows: Row[] = [];
const best3Rows: Row[] = [];
const roundRows: { n: number; r: ReturnType<typeof benchRound> }[] = [];
for (const n of SIZES) {
  const state = buildZone(n, city, n);
  decisionRows.push({ n, r: benchDecision(state, city, 7) });
  best1Rows.push({ n, r: benchDecision(state, city, 7, 1) });
  best3Rows.push({ n, r: benchDecision(state, city, 7, 3) });
  roundRows.push({ n, r: benchRound(state, city, 11) });
}

const header = (first: string, last: string) =>
  `${first.padEnd(9)}${"density".padStart(12)}${"p50".padStart(9)}${"p99".padStart(9)}${"mean".padStart(9)}${"max".padStart(9)}${"iters".padStart(8)}  ${last}`;
const densityOf = (n: number, sideKm: number) => `${(n / (sideKm * sideKm)).toFixed(2)}/km²`.padStart(12);

const decisionTable = (title: string, rows: Row[]) => {
  console.log(title);
  console.log(header("drivers", "candidates/decision"));
  for (const { n, r } of rows) {
    console.log(
      `${String(n).padEnd(9)}${densityOf(n, SIDE_KM)}${fmt(r.p50)} ${fmt(r.p99)} ${fmt(r.mean)} ${fmt(r.max)}${String(r.iterations).padStart(8)}  ${r.candidates.toFixed(1)}`,
    );
  }
  console.log("");
};
decisionTable("Matching decision: rankCandidates(new ZoneTx(state, now), request) — every candidate in 5 km, ranked; 40 km square", decisionRows);
decisionTable("Nearest-first search: bestCandidates(new ZoneTx(state, now), request, 1) — sequential mode's search in matchDelivery", best1Rows);
decisionTable("Nearest-first search: bestCandidates(new ZoneTx(state, now), request, 3) — default broadcast size", best3Rows);
console.log("Full round: matchDelivery(new ZoneTx(state, now), id), sequential mode (audit + search + 1 offer), not applied");
console.log(header("drivers", "offers/round"));
for (const { n, r } of roundRows) {
  console.log(
    `${String(n).padEnd(9)}${densityOf(n, SIDE_KM)}${fmt(r.p50)} ${fmt(r.p99)} ${fmt(r.mean)} ${fmt(r.max)}${String(r.iterations).padStart(8)}  ${r.offers.toFixed(2)}`,
  );
}

// Control: the same decision at a constant density of 6.25 drivers/km² (the 10k case above),
// the zone growing with N. Equal times here mean the index does not scan the zone.
console.log("");
console.log("Control: same decision at constant density 6.25 drivers/km² (zone side grows with N)");
console.log(header("drivers", "candidates/decision, zone side"));
for (const n of SIZES) {
  const side = Math.sqrt(n / 6.25);
  const area = square(side);
  const r = benchDecision(buildZone(n, area, n + 1), area, 13);
  console.log(
    `${String(n).padEnd(9)}${densityOf(n, side)}${fmt(r.p50)} ${fmt(r.p99)} ${fmt(r.mean)} ${fmt(r.max)}${String(r.iterations).padStart(8)}  ${r.candidates.toFixed(1)}, ${side.toFixed(1)} km`,
  );
}

// Verdicts against the README's "Performance" targets.
console.log("");
console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);
/** Growth of p50 between sizes, as the exponent e in p50 ∝ N^e (1 = linear). */
const exponent = (from: Row, to: Row) => Math.log(to.r.p50 / from.r.p50) / Math.log(to.n / from.n);
const shape = (e: number) => (e < 0.9 ? "sub-linear" : e <= 1.1 ? "about linear, NOT sub-linear" : "super-linear, NOT sub-linear");

function verdicts(name: string, rows: Row[]) {
  const first = rows[0];
  const last = rows.at(-1);
  const tenK = rows.find((row) => row.n === 10_000);
  if (tenK) {
    console.log(`${name}: p99 ≤ 1000 µs at 10,000 drivers → p99 ${tenK.r.p99.toFixed(1)} µs: ${tenK.r.p99 <= 1000 ? "MET" : "MISSED"}`);
  }
  if (first && last && last.n > first.n) {
    const e = exponent(first, last);
    const steps = rows.slice(1).map((row, i) => `${rows[i]!.n}→${row.n} ×${(row.r.p50 / rows[i]!.r.p50).toFixed(1)} (e ${exponent(rows[i]!, row).toFixed(2)})`);
    console.log(
      `${name}: growth ${first.n}→${last.n} drivers (×${last.n / first.n}) → p50 ×${(last.r.p50 / first.r.p50).toFixed(1)}, ` +
        `exponent ${e.toFixed(2)}: ${shape(e)}; steps ${steps.join(", ")}`,
    );
  }
}
console.log("targets (README \"Performance\"):");
verdicts("rankCandidates (all in radius)", decisionRows);
{
  const first = decisionRows[0];
  const last = decisionRows.at(-1);
  if (first && last && last.n > first.n) {
    const perCandidate = (row: Row) => ((row.r.p50 * 1000) / row.r.candidates).toFixed(0);
    console.log(`  rankCandidates p50 per candidate: ${perCandidate(first)} ns at ${first.n}, ${perCandidate(last)} ns at ${last.n}`);
  }
}
verdicts("bestCandidates k=1 (matchDelivery)", best1Rows);
verdicts("bestCandidates k=3 (broadcast)", best3Rows);
