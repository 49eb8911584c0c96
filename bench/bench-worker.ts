/**
 * Bench Worker for bench/zone-object.bench.mjs and bench/sockets.bench.mjs (config:
 * bench/wrangler.bench.toml). It drives ONE ZoneDispatcher through its RPC methods from inside
 * workerd, one awaited call at a time; and it serves the real API (src/worker) under /v2/, so the
 * socket bench connects drivers exactly as clients do.
 *
 * The zone object is the one in src, unchanged: the class exported here only adds bench seams
 * (hold the outbox back or count what it sends to D1, count its rows, a raw SQL write as the
 * storage floor); every method that is timed is inherited.
 *
 * Timing: Workers clocks only advance across I/O; every timed call is an RPC to the Durable
 * Object (I/O), so performance.now() before and after the awaited call brackets it, in whole
 * milliseconds. Each route also answers its block total; the driver script times the same
 * block with Node's clock, which is what the means and ratios use (`/clock` shows why).
 *
 * Routes (POST, JSON answers; `zone` names the zone object):
 *   /setup  ?drivers=N&deliveries=M   configure the zone; N available drivers, M manual deliveries
 *   /hold   ?on=1|0                   outbox flushes fail (held) / go to env.DB again
 *   /outbox, /d1rows                  outbox rows waiting; the bench org's rows in D1
 *   /flushes                          D1 batches and rows the outbox sent since the last ask
 *   /instance                         an id of the zone object's instance (changes on a restart)
 *   /clock  ?calls=N                  timer probe over N no-op calls
 *   /noop   ?n                        n × noop()
 *   /write  ?n&statements&bytes       n × one raw SQL transaction of `statements` inserts
 *   /create ?n&first                  n × createOffer(delivery i → driver i), i = first, first+1, …
 *   /accept {first, offerIds}         acceptOffer for each offer created by /create
 *   /cycle  ?n&first                  n × (createOffer, then acceptOffer)
 *   /flush                            lets the outbox go; flushOutbox() until it is empty
 *
 * For the socket bench (the zone named by `org` and `zoneId`, created through the API):
 *   /socket-drivers {org, zoneId, drivers: [{id, lat, lon}]}
 *                                     registers the drivers in D1 (as POST /v2/admin/drivers does)
 *                                     and creates + resumes each in the zone object, one decision
 *                                     each, through the object's own rules, in one RPC (setup only)
 *   /socket-count ?org&zoneId         sockets the zone object holds (ctx.getWebSockets())
 *   /saved-at {org, zoneId, ids}      each driver's savedAt (when its record was last written)
 *   /instance ?org&zoneId             as above, for that zone object
 *   /v2/...                           the API itself (src/worker/app.ts with src/worker/routes)
 */
import { DEFAULT_ZONE_SETTINGS } from "../src/contracts/zones";
import { ZoneDispatcher as Dispatcher } from "../src/durable-objects/zone-dispatcher";
import type { ZoneResult } from "../src/durable-objects/zone-result";
import type { Actor, ZoneConfig } from "../src/domain/model";
import { createApp } from "../src/worker/app";
import type { Env } from "../src/worker/env";
import { routes } from "../src/worker/routes";

/** A D1 whose batch writes fail, as when D1 is down: the outbox keeps its rows. */
function heldD1(db: D1Database): D1Database {
  return {
    prepare: (sql: string) => db.prepare(sql),
    batch: async () => {
      throw new Error("outbox held by the benchmark");
    },
  } as unknown as D1Database;
}

/** The real D1, counting the batches (D1 round trips) and rows the outbox flush sends it. */
function countingD1(db: D1Database, counts: FlushCounts): D1Database {
  return {
    prepare: (sql: string) => db.prepare(sql),
    batch: async (statements: D1PreparedStatement[]) => {
      const result = await db.batch(statements);
      counts.batches++;
      counts.rows += statements.length;
      return result;
    },
  } as unknown as D1Database;
}

interface FlushCounts {
  batches: number;
  rows: number;
}

/** The zone object from src, plus bench-only seams (never timed). */
export class ZoneDispatcher extends Dispatcher {
  private readonly flushCounts: FlushCounts = { batches: 0, rows: 0 };
  /** Changes when the object is re-created (a restart would drop the seams' settings). */
  private readonly instance = crypto.randomUUID();

  async benchInstance(): Promise<string> {
    return this.instance;
  }

  /** Held: flushes fail (as when D1 is down). Released: the real D1, batches counted. */
  async benchHoldOutbox(hold: boolean): Promise<void> {
    this.outboxTarget = hold ? heldD1(this.env.DB) : countingD1(this.env.DB, this.flushCounts);
  }

  /** D1 batches and rows sent since the last call. */
  async benchFlushCounts(): Promise<FlushCounts> {
    const counts = { ...this.flushCounts };
    this.flushCounts.batches = 0;
    this.flushCounts.rows = 0;
    return counts;
  }

  private scratchReady = false;

  /**
   * The storage floor of a decision: one transaction of `statements` inserts of `bytes` of JSON
   * each through the raw SQL API (no rule, no ORM), into a table of its own.
   */
  async benchWrite(statements: number, bytes: number): Promise<null> {
    const sql = this.ctx.storage.sql;
    if (!this.scratchReady) sql.exec("CREATE TABLE IF NOT EXISTS bench_scratch (id TEXT PRIMARY KEY, data TEXT NOT NULL)");
    this.scratchReady = true;
    const data = JSON.stringify({ pad: "x".repeat(Math.max(0, bytes - 10)) });
    this.ctx.storage.transactionSync(() => {
      for (let i = 0; i < statements; i++) sql.exec("INSERT INTO bench_scratch (id, data) VALUES (?, ?)", crypto.randomUUID(), data);
    });
    return null;
  }

  /**
   * Socket bench setup: creates and resumes each driver through the object's own rules (one
   * decision and commit each, as POST /v2/admin/drivers and .../availability/resume do), in one RPC.
   */
  async benchAddDrivers(orgId: string, drivers: { id: string; lat: number; lon: number }[]): Promise<number> {
    for (const d of drivers) {
      unwrap(
        await this.decide(orgId, "createDriver", {
          driverId: d.id,
          profile: {
            name: `Socket bench driver ${d.id.slice(-6)}`,
            phone: "+919800000000",
            vehicle: "Activa",
            vehicleType: "scooter",
            capabilities: [],
            location: { lat: d.lat, lon: d.lon },
          },
        }),
        "createDriver",
      );
      unwrap(await this.decide(orgId, "changeAvailability", { driverId: d.id, command: "resume", actor: { type: "driver", id: d.id } }), "resume");
    }
    return drivers.length;
  }

  /** Sockets the object holds (all audiences). */
  async benchSocketCount(): Promise<number> {
    return this.ctx.getWebSockets().length;
  }

  /** When each driver's record was last written to storage (`savedAt`, epoch ms). */
  async benchSavedAt(orgId: string, ids: string[]): Promise<number[]> {
    const saved: number[] = [];
    for (const id of ids) saved.push(unwrap(await this.getDriver(orgId, id), "getDriver").savedAt);
    return saved;
  }

  async benchOutboxSize(): Promise<number> {
    const row = this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one();
    return row.n;
  }
}

type BenchEnv = Omit<Env, "ZONES"> & { ZONES: DurableObjectNamespace<ZoneDispatcher> };

const ORG_ID = "b0000000-0000-4000-8000-00000000000b";
const ZONE_ID = "b1000000-0000-4000-8000-00000000000b";
const ADMIN: Actor = { type: "admin", id: "b2000000-0000-4000-8000-00000000000b" };
const CENTER = { lat: 12.95, lon: 77.6 };
/** Setup calls in flight at once (the object still runs them one at a time). */
const SETUP_CONCURRENCY = 32;

const driverId = (i: number) => `d0000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
const deliveryId = (i: number) => `e0000000-0000-4000-8000-${String(i).padStart(12, "0")}`;

function unwrap<T>(result: ZoneResult<T>, what: string): T {
  if (!result.ok) throw new Error(`${what}: ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

/** Small deterministic jitter so drivers and pickups spread over ~±10 km. */
const spread = (i: number, salt: number) => (((i * 2654435761 + salt * 97) >>> 0) % 10_000) / 10_000 - 0.5;

function zoneConfig(): ZoneConfig {
  const now = new Date().toISOString();
  const d = 0.18;
  const ring: [number, number][] = [
    [CENTER.lon - d, CENTER.lat - d],
    [CENTER.lon + d, CENTER.lat - d],
    [CENTER.lon + d, CENTER.lat + d],
    [CENTER.lon - d, CENTER.lat + d],
    [CENTER.lon - d, CENTER.lat - d],
  ];
  return {
    id: ZONE_ID,
    orgId: ORG_ID,
    name: "Bench zone",
    polygon: { type: "Polygon", coordinates: [ring] },
    priorityLevel: 3,
    minDriversOnline: 1,
    targetWaitTimeSeconds: 300,
    timezone: "Asia/Kolkata",
    // A driver is not taken offline for silence during the run, and escalation stays out of it.
    settings: { ...DEFAULT_ZONE_SETTINGS, offlineAfterSeconds: 86_400, escalationSeconds: [86_400, 172_800, 259_200] },
    createdAt: now,
    updatedAt: now,
  } as ZoneConfig;
}

async function inChunks(count: number, start: number, step: (i: number) => Promise<unknown>): Promise<void> {
  for (let base = start; base < start + count; base += SETUP_CONCURRENCY) {
    const batch: Promise<unknown>[] = [];
    for (let i = base; i < Math.min(start + count, base + SETUP_CONCURRENCY); i++) batch.push(step(i));
    await Promise.all(batch);
  }
}

async function setup(zone: DurableObjectStub<ZoneDispatcher>, drivers: number, deliveries: number) {
  unwrap(await zone.configure(zoneConfig()), "configure");
  await inChunks(drivers, 0, async (i) => {
    unwrap(
      await zone.decide(ORG_ID, "createDriver", {
        driverId: driverId(i),
        profile: {
          name: `Bench driver ${i}`,
          phone: `+9198${String(i).padStart(8, "0")}`,
          vehicle: "Activa",
          vehicleType: "scooter",
          capabilities: [],
          location: { lat: CENTER.lat + 0.18 * spread(i, 1), lon: CENTER.lon + 0.18 * spread(i, 2) },
        },
      }),
      "createDriver",
    );
    unwrap(
      await zone.decide(ORG_ID, "changeAvailability", { driverId: driverId(i), command: "resume", actor: { type: "driver", id: driverId(i) } }),
      "resume",
    );
  });
  await inChunks(deliveries, 0, async (i) => {
    const pickup = { lat: CENTER.lat + 0.18 * spread(i, 3), lon: CENTER.lon + 0.18 * spread(i, 4) };
    unwrap(
      await zone.decide(ORG_ID, "createDelivery", {
        delivery: {
          id: deliveryId(i),
          orderId: `bench-${i}`,
          sellerOrderId: `bench-${i}`,
          storeName: "Bench store",
          pickup,
          dropoff: { lat: pickup.lat + 0.02, lon: pickup.lon + 0.02 },
          priority: 50,
          estimatedPrepTimeMinutes: 5,
          requirements: {},
          dispatch: "manual",
          trackingToken: `bench-token-${i}`,
        },
        actor: { type: "service", id: ADMIN.id },
      }),
      "createDelivery",
    );
  });
  return { drivers, deliveries };
}

/** Timer probe: how finely performance.now() / Date.now() resolve around one RPC call. */
async function clock(zone: DurableObjectStub<ZoneDispatcher>, calls: number) {
  const perf: number[] = [];
  const date: number[] = [];
  for (let i = 0; i < calls; i++) {
    const p0 = performance.now();
    const d0 = Date.now();
    await zone.noop();
    perf.push(performance.now() - p0);
    date.push(Date.now() - d0);
  }
  const fractional = perf.filter((x) => x !== Math.round(x)).length;
  const minNonZero = Math.min(...perf.filter((x) => x > 0));
  return {
    calls,
    perfZero: perf.filter((x) => x === 0).length,
    perfFractional: fractional,
    perfMinNonZeroMs: Number.isFinite(minNonZero) ? minNonZero : null,
    perfMeanMs: perf.reduce((s, x) => s + x, 0) / calls,
    dateMeanMs: date.reduce((s, x) => s + x, 0) / calls,
    perfSample: perf.slice(0, 8),
  };
}

/** Times `n` awaited calls of `step`, one at a time; per-call samples and the block total (ms). */
async function timed<T>(n: number, step: (k: number) => Promise<T>): Promise<{ samples: number[]; totalMs: number; values: T[] }> {
  const samples: number[] = [];
  const values: T[] = [];
  const started = performance.now();
  for (let k = 0; k < n; k++) {
    const t0 = performance.now();
    values.push(await step(k));
    samples.push(performance.now() - t0);
  }
  return { samples, totalMs: performance.now() - started, values };
}

async function noops(zone: DurableObjectStub<ZoneDispatcher>, n: number) {
  const { samples, totalMs } = await timed(n, async () => {
    if ((await zone.noop()) !== null) throw new Error("noop answered something");
  });
  return { samples, totalMs };
}

async function writes(zone: DurableObjectStub<ZoneDispatcher>, n: number, statements: number, bytes: number) {
  const { samples, totalMs } = await timed(n, () => zone.benchWrite(statements, bytes));
  return { samples, totalMs };
}

/** `n` manual offers, each of delivery i to driver i (fresh, available) for i = first, first+1, … */
async function creates(zone: DurableObjectStub<ZoneDispatcher>, n: number, first: number) {
  const { samples, totalMs, values } = await timed(n, async (k) =>
    unwrap(
      await zone.decide(ORG_ID, "createOffer", { deliveryId: deliveryId(first + k), driverId: driverId(first + k), expiresInSeconds: 120, actor: ADMIN }),
      "createOffer",
    ).id,
  );
  return { samples, totalMs, offerIds: values };
}

async function accepts(zone: DurableObjectStub<ZoneDispatcher>, first: number, offerIds: string[]) {
  const { samples, totalMs } = await timed(offerIds.length, async (k) => {
    const accepted = unwrap(await zone.decide(ORG_ID, "acceptOffer", { driverId: driverId(first + k), offerId: offerIds[k]! }), "acceptOffer");
    if (accepted.deliveryId !== deliveryId(first + k)) throw new Error("accepted the wrong delivery");
  });
  return { samples, totalMs };
}

/** `n` create+accept cycles; samples are whole cycles, `create`/`accept` their halves. */
async function cycles(zone: DurableObjectStub<ZoneDispatcher>, n: number, first: number) {
  const create: number[] = [];
  const accept: number[] = [];
  const run = await timed(n, async (k) => {
    const i = first + k;
    const t0 = performance.now();
    const offer = unwrap(
      await zone.decide(ORG_ID, "createOffer", { deliveryId: deliveryId(i), driverId: driverId(i), expiresInSeconds: 120, actor: ADMIN }),
      "createOffer",
    );
    const t1 = performance.now();
    const accepted = unwrap(await zone.decide(ORG_ID, "acceptOffer", { driverId: driverId(i), offerId: offer.id }), "acceptOffer");
    accept.push(performance.now() - t1);
    create.push(t1 - t0);
    if (accepted.deliveryId !== deliveryId(i)) throw new Error("accepted the wrong delivery");
  });
  return { samples: run.samples, totalMs: run.totalMs, create, accept };
}

async function d1Rows(db: D1Database): Promise<number> {
  const [audit, history, unassigned] = await db.batch<{ n: number }>([
    db.prepare("SELECT count(*) AS n FROM delivery_audit_logs WHERE org_id = ?").bind(ORG_ID),
    db.prepare("SELECT count(*) AS n FROM driver_availability_history WHERE org_id = ?").bind(ORG_ID),
    db.prepare("SELECT count(*) AS n FROM unassigned_orders WHERE org_id = ?").bind(ORG_ID),
  ]);
  return [audit, history, unassigned].reduce((sum, r) => sum + (r?.results[0]?.n ?? 0), 0);
}

/** Lets the held outbox go and calls flushOutbox() (one batch per call) until it is empty. */
async function flush(zone: DurableObjectStub<ZoneDispatcher>) {
  await zone.benchHoldOutbox(false);
  const calls: number[] = [];
  const started = performance.now();
  for (let remaining = 1; remaining > 0; ) {
    const t0 = performance.now();
    ({ remaining } = await zone.flushOutbox());
    calls.push(performance.now() - t0);
    if (calls.length > 10_000) throw new Error("outbox does not drain");
  }
  return { samples: calls, totalMs: performance.now() - started };
}

/** The API, exactly as src/index.ts serves it. */
const api = createApp(routes);

/** Registers drivers in the D1 directory (as registerDriverEntry does), in batches of statements. */
async function registerDrivers(db: D1Database, orgId: string, zoneId: string, ids: string[]): Promise<void> {
  const insert = db.prepare("INSERT INTO directory (org_id, kind, ref, zone_id, entity_id) VALUES (?, 'driver', ?, ?, ?)");
  for (let i = 0; i < ids.length; i += 100) {
    await db.batch(ids.slice(i, i + 100).map((id) => insert.bind(orgId, id, zoneId, id)));
  }
}

export default {
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/v2/")) return api.fetch(request, env as unknown as Env, ctx);
    const q = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    const named = url.searchParams.get("org") && url.searchParams.get("zoneId");
    const zone = env.ZONES.getByName(
      named ? `${url.searchParams.get("org")}:${url.searchParams.get("zoneId")}` : `${ORG_ID}:${url.searchParams.get("zone") ?? "bench"}`,
    );
    try {
      switch (url.pathname) {
        case "/socket-drivers": {
          const body = (await request.json()) as { org: string; zoneId: string; drivers: { id: string; lat: number; lon: number }[] };
          await registerDrivers(env.DB, body.org, body.zoneId, body.drivers.map((d) => d.id));
          const stub = env.ZONES.getByName(`${body.org}:${body.zoneId}`);
          return Response.json({ created: await stub.benchAddDrivers(body.org, body.drivers) });
        }
        case "/socket-count":
          return Response.json({ sockets: await zone.benchSocketCount() });
        case "/saved-at": {
          const body = (await request.json()) as { org: string; zoneId: string; ids: string[] };
          const stub = env.ZONES.getByName(`${body.org}:${body.zoneId}`);
          return Response.json({ savedAt: await stub.benchSavedAt(body.org, body.ids) });
        }
        case "/health":
        case "/empty":
          return Response.json({ ok: true });
        case "/setup":
          return Response.json(await setup(zone, q("drivers", 100), q("deliveries", 100)));
        case "/hold":
          await zone.benchHoldOutbox(url.searchParams.get("on") !== "0");
          return Response.json({ ok: true });
        case "/outbox":
          return Response.json({ rows: await zone.benchOutboxSize() });
        case "/instance":
          return Response.json({ instance: await zone.benchInstance() });
        case "/flushes":
          return Response.json(await zone.benchFlushCounts());
        case "/d1rows":
          return Response.json({ rows: await d1Rows(env.DB) });
        case "/clock":
          return Response.json(await clock(zone, q("calls", 200)));
        case "/noop":
          return Response.json(await noops(zone, q("n", 100)));
        case "/write":
          return Response.json(await writes(zone, q("n", 100), q("statements", 1), q("bytes", 1000)));
        case "/create":
          return Response.json(await creates(zone, q("n", 100), q("first", 0)));
        case "/accept": {
          const body = (await request.json()) as { first: number; offerIds: string[] };
          return Response.json(await accepts(zone, body.first, body.offerIds));
        }
        case "/cycle":
          return Response.json(await cycles(zone, q("n", 100), q("first", 0)));
        case "/flush":
          return Response.json(await flush(zone));
        default:
          return new Response("not found", { status: 404 });
      }
    } catch (error) {
      return Response.json({ error: String((error as Error)?.stack ?? error) }, { status: 500 });
    }
  },
} satisfies ExportedHandler<BenchEnv>;
