// One simulation run: set up drivers in the zone, create deliveries at the given rate, wait until
// every one is delivered (or the drain timeout, or an abort), stop the drivers, read every
// delivery back and check that each went through exactly one accepted offer.

import { randomBytes } from "node:crypto";
import { DEMO_ZONE } from "../seed-demo.mjs";
import { mintToken } from "../token.mjs";
import { pool } from "../pool.mjs";
import { seededRandom } from "../seeded-random.mjs";
import { ApiError, READ_BUDGET, TokenPool, WRITE_BUDGET, call, retryDelayMs } from "./api.mjs";
import { SimDriver } from "./driver.mjs";
import { diagonalKm, randomPointIn } from "./geo.mjs";
import { Stats } from "./stats.mjs";

/** HTTP requests in flight at once for setup, cleanup and the final reads. */
const SETUP_CONCURRENCY = 8;
/** Delivery creations in flight at once (beyond it the order service falls behind its rate). */
const MAX_CREATIONS_IN_FLIGHT = 64;
const ATTEMPTS = 4;
const PROBLEMS_LISTED = 20;
const DRIVER_TOKEN_TTL_SECONDS = 12 * 3600;

/** A run-level failure that is the caller's mistake (unknown zone): exit code 2 like bad arguments. */
export class SetupUsageError extends Error {}


const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/** `attempt()` again after the errors worth retrying; every failed attempt is counted under `what`. */
async function withRetries(stats, what, attempt) {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const kind = error instanceof ApiError ? error.kind : "exception";
      stats.error(`${what}:${kind}`, error.message);
      const delay = retryDelayMs(error, i);
      if (delay === null || i + 1 >= ATTEMPTS) throw error;
      await sleep(delay);
    }
  }
}

function pickZone(zones, wanted) {
  if (wanted !== undefined) {
    const match = zones.filter((z) => z.id === wanted || z.name.toLowerCase() === wanted.toLowerCase());
    if (match.length === 1) return match[0];
    const names = zones.map((z) => `  ${z.id}  ${z.name}`).join("\n") || "  (none)";
    throw new SetupUsageError(`--zone ${JSON.stringify(wanted)} ${match.length > 1 ? "names several zones" : "is not a zone of the org"}; its zones:\n${names}`);
  }
  const demo = zones.find((z) => z.name === DEMO_ZONE.name);
  if (demo) return demo;
  if (zones.length === 1) return zones[0];
  const names = zones.map((z) => `  ${z.id}  ${z.name}`).join("\n") || "  (none: run npm start, which seeds the demo zone, or create one)";
  throw new SetupUsageError(`no demo zone in the org; pick one with --zone:\n${names}`);
}

/** Real seconds to wait after the last creation when --drain-timeout is not given. */
function defaultDrainSeconds(options, zone) {
  const longestJobHours = (diagonalKm(zone.polygon) + options.maxTripKm) / options.speedKmh;
  const jobSimSeconds = longestJobHours * 3600 + options.prepMinutes * 60;
  const jobsPerDriver = Math.ceil(options.deliveries / options.drivers) + 2;
  return Math.ceil(60 + 4 * zone.settings.offerTimeoutSeconds + (jobsPerDriver * jobSimSeconds) / options.timeScale);
}

/**
 * @param {ReturnType<import("./options.mjs").parseOptions>} options
 * @param {{ signal: AbortSignal, stats?: Stats, log?: (line: string) => void }} hooks
 */
export async function simulate(options, { signal, stats = new Stats(), log = () => {} }) {
  const { url, org } = options;
  const random = seededRandom(options.seed);
  const runTag = randomBytes(4).toString("hex");
  const admins = new TokenPool({ role: "admin", org, budget: WRITE_BUDGET });
  const services = new TokenPool({ role: "service", org, budget: WRITE_BUDGET });
  const readers = new TokenPool({ role: "ops", org, budget: READ_BUDGET });
  const simStart = Date.now();
  /** deliveryId → { pickup, dropoff, readyAtSim } of the deliveries this run created */
  const ours = new Map();
  const drivers = [];
  let zone = null;

  const sim = {
    wsUrl: url.replace(/^http/, "ws"),
    options,
    stats,
    random,
    polygon: null,
    simNow: () => (Date.now() - simStart) * options.timeScale,
    /** Pickup and dropoff of a delivery a driver won: ours from memory, any other read as ops. */
    async deliveryInfo(deliveryId) {
      for (let i = 0; i < 50 && !ours.has(deliveryId); i++) await sleep(100); // the 201 may still be on its way
      if (ours.has(deliveryId)) return ours.get(deliveryId);
      try {
        const d = await withRetries(stats, "read_delivery", () => call(url, "GET", `/v2/admin/deliveries/${deliveryId}`, readers.acquire()));
        return { pickup: d.pickup, dropoff: d.dropoff, readyAtSim: 0 };
      } catch {
        return null;
      }
    },
  };

  const tokens = () => ({ admin: admins.size, service: services.size, ops: readers.size, driver: drivers.length });
  const finish = async (interrupted, checks) => stats.summary({ options, zone: zoneView(), interrupted, checks, driversRequested: options.drivers, tokens: tokens() });
  const zoneView = () =>
    zone && { id: zone.id, name: zone.name, dispatchMode: zone.settings.dispatchMode, offerTimeoutSeconds: zone.settings.offerTimeoutSeconds, searchRadiusKm: zone.settings.searchRadiusKm };

  // ---- the zone ---------------------------------------------------------------------------
  try {
    const res = await fetch(`${url}/v2/health`, { signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  } catch (error) {
    throw new Error(`the server at ${url} does not answer GET /v2/health (${error.cause?.code ?? error.cause?.message ?? error.message}); is \`npm start\` running?`);
  }
  const listed = await withRetries(stats, "list_zones", () => call(url, "GET", "/v2/admin/zones", admins.acquire()));
  zone = pickZone(listed.zones ?? [], options.zone);
  sim.polygon = zone.polygon;
  const drainSeconds = options.drainTimeoutSeconds ?? defaultDrainSeconds(options, zone);
  log(`zone ${zone.name} (${zone.id}); run ${runTag}; drain timeout ${drainSeconds} s`);

  try {
    // ---- drivers: create, connect, resume ---------------------------------------------------
    const indexes = Array.from({ length: options.drivers }, (_, i) => i);
    const phonePrefix = String(10_000 + (parseInt(runTag, 16) % 90_000)).slice(-5);
    const starts = indexes.map(() => randomPointIn(zone.polygon, random));
    if (starts.some((p) => p === null)) throw new Error(`could not find points inside zone ${zone.name}'s polygon`);
    await pool(indexes, SETUP_CONCURRENCY, async (i) => {
      if (signal.aborted) return;
      try {
        const created = await withRetries(stats, "create_driver", () =>
          call(url, "POST", "/v2/admin/drivers", admins.acquire(), {
            expected: 201,
            body: {
              name: `Sim ${runTag} #${i + 1}`,
              phone: `+917${phonePrefix}${String(i).padStart(4, "0")}`,
              vehicle: i % 3 === 0 ? "Bajaj Pulsar" : "Honda Activa",
              vehicleType: i % 3 === 0 ? "bike" : "scooter",
              zoneId: zone.id,
              location: starts[i],
            },
          }),
        );
        stats.driversCreated++;
        const token = await mintToken({ role: "driver", org, sub: created.id, ttlSeconds: DRIVER_TOKEN_TTL_SECONDS });
        const driver = new SimDriver({ id: created.id, token, position: starts[i], sim });
        drivers.push(driver);
        await withRetries(stats, "socket_connect", () =>
          driver.connect().catch((error) => {
            throw new ApiError("upgrade_failed", `driver ${created.id}: ${error.message}`);
          }),
        );
        await withRetries(stats, "resume", () =>
          call(url, "POST", `/v2/drivers/${created.id}/availability/resume`, token, { body: {} }),
        );
        if (!signal.aborted) driver.start();
      } catch {
        // counted by withRetries; the run goes on with the drivers it has
      }
    });
    log(`${stats.driversOnline} of ${options.drivers} drivers online`);

    // ---- the order service -------------------------------------------------------------------
    let inFlight = 0;
    const creations = [];
    const createOne = async (i) => {
      const pickup = randomPointIn(zone.polygon, random);
      const dropoff = pickup && randomPointIn(zone.polygon, random, { near: pickup, maxKm: options.maxTripKm });
      if (!pickup || !dropoff) {
        stats.error("no_point_in_zone", `delivery ${i}: no pickup/dropoff found in the polygon`);
        stats.creationFailed++;
        return;
      }
      const sellerOrderId = `sim-${runTag}-${i + 1}`;
      const startedAt = Date.now();
      const readyAtSim = sim.simNow() + options.prepMinutes * 60_000;
      try {
        const created = await withRetries(stats, "create_delivery", () =>
          call(url, "POST", "/v2/deliveries", services.acquire(), {
            expected: 201,
            headers: { "Idempotency-Key": sellerOrderId },
            body: {
              sellerOrderId,
              storeName: `Sim store ${1 + (i % 25)}`,
              pickup,
              dropoff,
              estimatedPrepTimeMinutes: options.prepMinutes,
              customer: { name: `Sim customer ${i + 1}`, phone: `+918${String(i).padStart(9, "0")}` },
            },
          }),
        );
        ours.set(created.id, { pickup, dropoff, readyAtSim });
        stats.createStartedAt.set(created.id, startedAt);
        stats.deliveriesCreated++;
      } catch {
        stats.creationFailed++;
      }
    };
    const periodMs = 1000 / options.rate;
    const createdFrom = Date.now();
    for (let i = 0; i < options.deliveries && !signal.aborted; i++) {
      const due = createdFrom + i * periodMs;
      if (due > Date.now()) await sleep(due - Date.now(), signal);
      while (inFlight >= MAX_CREATIONS_IN_FLIGHT && !signal.aborted) await sleep(10, signal);
      if (signal.aborted) break;
      inFlight++;
      creations.push(createOne(i).finally(() => inFlight--));
    }
    await Promise.all(creations);
    log(`${stats.deliveriesCreated} deliveries created`);

    // ---- until every delivery is delivered ---------------------------------------------------
    const deadline = Date.now() + drainSeconds * 1000;
    const allDone = () => stats.delivered >= ours.size && drivers.every((d) => d.idle);
    while (!signal.aborted && !allDone() && Date.now() < deadline) await sleep(100, signal);
    if (!signal.aborted && !allDone()) log(`drain timeout: ${ours.size - stats.delivered} deliveries not delivered after ${drainSeconds} s`);
  } finally {
    // ---- stop the drivers: sockets closed, shifts ended ----------------------------------------
    await Promise.all(drivers.map((d) => d.stop()));
    const ended = await pool(drivers, SETUP_CONCURRENCY, (d) =>
      call(url, "POST", `/v2/drivers/${d.id}/availability/end-shift`, d.token, { body: {} }).then(
        () => true,
        () => false,
      ),
    );
    const notEnded = ended.filter((ok) => !ok).length;
    if (notEnded > 0) log(`${notEnded} drivers could not end their shift (busy with an undelivered delivery?)`);
  }

  if (signal.aborted) return finish(true, null);
  return finish(false, await check(url, readers, stats, ours, options));
}

/** Reads every delivery back as ops: delivered, through exactly one accepted offer, by the driver that won it. */
async function check(url, readers, stats, ours, options) {
  const ids = [...ours.keys()];
  const problems = [];
  let delivered = 0;
  let undelivered = 0;
  let violations = 0;
  let readFailures = 0;
  const note = (text) => problems.length < PROBLEMS_LISTED && problems.push(text);
  await pool(ids, SETUP_CONCURRENCY, async (id) => {
    let d;
    try {
      d = await withRetries(stats, "check_read", () => call(url, "GET", `/v2/admin/deliveries/${id}`, readers.acquire()));
    } catch (error) {
      readFailures++;
      note(`${id}: not readable (${error.message})`);
      return;
    }
    const accepted = (d.offers ?? []).filter((o) => o.status === "ACCEPTED");
    const pending = (d.offers ?? []).filter((o) => o.status === "PENDING");
    const wins = stats.wins.get(id) ?? [];
    const deliveredBy = stats.deliveredBy.get(id) ?? [];
    const wrong = [];
    if (accepted.length > 1) wrong.push(`${accepted.length} accepted offers`);
    if (wins.length > 1) wrong.push(`${wins.length} drivers got an ok accept (${wins.join(", ")})`);
    if (deliveredBy.length > 1) wrong.push(`delivered ${deliveredBy.length} times`);
    if (d.status === "delivered") {
      delivered++;
      const offer = accepted[0];
      if (accepted.length === 0) wrong.push("delivered without an accepted offer");
      if (pending.length > 0) wrong.push(`${pending.length} offers still pending`);
      if (offer) {
        const a = d.assignment;
        if (!a || a.status !== "COMPLETED" || a.driverId !== offer.driverId || a.offerId !== offer.id) {
          wrong.push(`assignment ${JSON.stringify(a)} is not the accepted offer's (${offer.id}, driver ${offer.driverId}), completed`);
        }
        if (d.assignedDriverId !== offer.driverId) wrong.push(`assignedDriverId ${d.assignedDriverId} is not the accepted driver ${offer.driverId}`);
        if (wins.length === 1 && wins[0] !== offer.driverId) wrong.push(`the zone accepted driver ${offer.driverId}'s offer, but driver ${wins[0]} was told it won`);
        if (deliveredBy.length === 1 && deliveredBy[0] !== offer.driverId) wrong.push(`delivered by ${deliveredBy[0]}, accepted by ${offer.driverId}`);
      }
    } else {
      undelivered++;
      note(`${id} (${d.sellerOrderId}): ${d.status}, ${accepted.length} accepted / ${d.offers?.length ?? 0} offers`);
    }
    if (wrong.length > 0) {
      violations++;
      note(`${id} (${d.sellerOrderId}): ${wrong.join("; ")}`);
    }
  });
  const notCreated = options.deliveries - ours.size;
  return {
    passed: violations === 0 && undelivered === 0 && readFailures === 0 && notCreated === 0,
    checked: ids.length - readFailures,
    delivered,
    undelivered,
    exactlyOnceViolations: violations,
    readFailures,
    notCreated,
    problems,
  };
}
