// One zone of `npm start` under load, for the reliability tests (crash under load, D1 faults):
// the zone and its socket drivers, concurrent clients creating deliveries through a server that
// may be restarted under them, the reads of what the zone and D1 hold, and the checks both tests
// make on them.

import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { spread, squarePolygon } from "../helpers/geometry";
import { type DeliveryDetail, DriverBot } from "./driver-bot";
import { auditRowsInD1, historyRowsInD1 } from "./local-d1";
import { pool } from "../../scripts/pool.mjs";
import { type Server, sleep, token } from "./server";

const CENTER = { lat: 12.95, lon: 77.6 };
/** Drivers within ±1.5 km of the centre, pickups within ±1 km: every driver within 5 km of every pickup. */
const DRIVER_SPREAD_DEG = 0.015;
const PICKUP_SPREAD_DEG = 0.01;
/** HTTP requests in flight at once for setup and reads. */
const CONCURRENCY = 8;

/** Polls `done` every 100 ms; throws with `describe()` if it is not true within `timeoutMs`. */
export async function waitUntil(what: string, timeoutMs: number, done: () => boolean | Promise<boolean>, describe = () => ""): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s. ${describe()}`);
    await sleep(100);
  }
}

/** When each named step of a test was reached (seconds from the start), for its summary line. */
export function stopwatch(): { mark(what: string): void; marks(): string } {
  const started = Date.now();
  const marks: string[] = [];
  return {
    mark: (what) => marks.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`),
    marks: () => marks.join(", "),
  };
}

/** The server the clients talk to; while it is down (crashed, restarting) their calls wait. */
export class ServerSlot {
  private outage: Promise<void> | null = null;
  private endOutage = () => {};

  constructor(private server: Server) {}

  /** From now on calls wait until `restarted`. */
  goingDown(): void {
    this.outage = new Promise((resolve) => (this.endOutage = resolve));
  }

  restarted(server: Server): void {
    this.server = server;
    this.outage = null;
    this.endOutage();
  }

  async ready(): Promise<Server> {
    while (this.outage) await this.outage;
    return this.server;
  }
}

export interface Fleet {
  org: string;
  zoneId: string;
  bots: DriverBot[];
}

/**
 * A fresh org with one broadcast zone (3 offers per delivery at once, first accept wins: the mode
 * where accepts race) and `drivers` available drivers, each with an open socket. Offers never
 * expire and drivers never go offline for silence during a run, so a restart's pause changes
 * nothing but the connections.
 */
export async function startFleet(slot: ServerSlot, drivers: number): Promise<Fleet> {
  const server = await slot.ready();
  const org = randomUUID();
  const admin = await token("admin", org);
  const zone = await server.request("POST", "/v2/admin/zones", admin, {
    name: "E2E reliability zone",
    polygon: squarePolygon(CENTER),
    settings: { dispatchMode: "broadcast", broadcastSize: 3, offerTimeoutSeconds: 120, searchRadiusKm: 5, offlineAfterSeconds: 3600 },
  });
  expect(zone.status, zone.text).toBe(201);
  const zoneId: string = zone.json.id;
  const bots = await pool(
    Array.from({ length: drivers }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      const created = await server.request("POST", "/v2/admin/drivers", admin, {
        name: `Reliability driver ${i}`,
        phone: `+9197${String(10_000_000 + i).slice(-8)}`,
        vehicle: "Honda Activa",
        vehicleType: "scooter",
        zoneId,
        location: { lat: CENTER.lat + 2 * DRIVER_SPREAD_DEG * spread(i, 1), lon: CENTER.lon + 2 * DRIVER_SPREAD_DEG * spread(i, 2) },
      });
      expect(created.status, created.text).toBe(201);
      const driverId: string = created.json.id;
      const driverToken = await token("driver", org, driverId);
      const resumed = await server.request("POST", `/v2/drivers/${driverId}/availability/resume`, driverToken, {});
      expect(resumed.status, resumed.text).toBe(200);
      // A fresh reader per lookup: each caller has its own read budget (RL_READS, 1,200 per minute).
      const bot = new DriverBot(driverId, driverToken, async (deliveryId) =>
        readJson(await slot.ready(), await token("ops", org), `/v2/admin/deliveries/${deliveryId}`),
      );
      await bot.connect(server.wsUrl);
      return bot;
    },
  );
  return { org, zoneId, bots };
}

export interface Creation {
  /** Deliveries answered 201, in order of answer. */
  created: string[];
  /** Answers other than 201. */
  refused: string[];
  /** Requests the server died under (no answer: the delivery may or may not exist). */
  unanswered: number;
  /** Resolves when every client has made its requests. */
  done: Promise<void>;
}

/**
 * `total` POST /v2/deliveries from `clients` concurrent order-service clients (each its own
 * caller, so its own rate-limit budget), each pausing `paceMs` between requests so that drivers
 * are free between deliveries. A request that gets no answer is not retried.
 */
export function createDeliveries(slot: ServerSlot, org: string, total: number, clients: number, paceMs: number): Creation {
  const creation: Creation = { created: [], refused: [], unanswered: 0, done: Promise.resolve() };
  let next = 0;
  creation.done = Promise.all(
    Array.from({ length: clients }, async () => {
      const service = await token("service", org);
      while (next < total) {
        const i = next++;
        const pickup = { lat: CENTER.lat + 2 * PICKUP_SPREAD_DEG * spread(i, 3), lon: CENTER.lon + 2 * PICKUP_SPREAD_DEG * spread(i, 4) };
        const server = await slot.ready();
        try {
          const res = await server.request("POST", "/v2/deliveries", service, {
            sellerOrderId: `reliability-${org.slice(0, 8)}-${i}`,
            storeName: "E2E Store",
            pickup,
            dropoff: { lat: pickup.lat + 0.01, lon: pickup.lon + 0.01 },
          });
          if (res.status === 201) creation.created.push(res.json.id);
          else creation.refused.push(`${res.status} ${res.text.slice(0, 200)}`);
        } catch {
          creation.unanswered++;
        }
        await sleep(paceMs);
      }
    }),
  ).then(() => undefined);
  return creation;
}

async function readJson(server: Server, reader: string, urlPath: string): Promise<any> {
  const res = await server.request("GET", urlPath, reader);
  expect(res.status, `GET ${urlPath}: ${res.text}`).toBe(200);
  return res.json;
}

export async function readDetails(server: Server, org: string, ids: string[]): Promise<Map<string, DeliveryDetail>> {
  const reader = await token("ops", org);
  const details = await pool(ids, CONCURRENCY, (id) => readJson(server, reader, `/v2/admin/deliveries/${id}`));
  return new Map(ids.map((id, i) => [id, details[i]!]));
}

export interface TrailEvent {
  id: string;
  version: number;
  eventType: string;
}

/** Each delivery's audit trail as the API answers it: D1's rows merged with the zone's unflushed ones. */
export async function readTrails(server: Server, org: string, ids: string[]): Promise<Map<string, TrailEvent[]>> {
  const reader = await token("ops", org);
  const trails = await pool(ids, CONCURRENCY, async (id) => (await readJson(server, reader, `/v2/admin/deliveries/${id}/audit`)).events);
  return new Map(ids.map((id, i) => [id, trails[i]!]));
}

export interface HistoryStep {
  fromState: string;
  toState: string;
}

/** Each driver's availability history as the API answers it (merged like the trails), oldest first. */
export async function readHistories(server: Server, org: string, driverIds: string[]): Promise<Map<string, HistoryStep[]>> {
  const reader = await token("ops", org);
  const histories = await pool(driverIds, CONCURRENCY, async (id) =>
    (await readJson(server, reader, `/v2/drivers/${id}/availability/history?limit=500`)).history.reverse(),
  );
  return new Map(driverIds.map((id, i) => [id, histories[i]!]));
}

/** Waits until every created delivery was brought to delivered by a driver and no driver holds or awaits anything. */
export async function waitForAllDelivered(creation: Creation, bots: DriverBot[], timeoutMs: number): Promise<void> {
  await creation.done;
  const delivered = () => new Set(bots.flatMap((b) => [...b.delivered]));
  await waitUntil(
    "every created delivery delivered",
    timeoutMs,
    () => {
      const done = delivered();
      return creation.created.every((id) => done.has(id)) && bots.every((b) => b.idle);
    },
    () => {
      const done = delivered();
      const busy = bots.filter((b) => !b.idle);
      return `${creation.created.filter((id) => !done.has(id)).length} of ${creation.created.length} not delivered; ${busy.length} drivers busy: ${busy.slice(0, 3).map((b) => b.describe()).join("; ")}`;
    },
  );
}

/**
 * Every delivery exists, ended delivered through exactly one accepted offer and one assignment
 * (the accepted driver's, completed); every accept a driver got an ok ack for is that delivery's
 * assignment, of that driver; no driver is left busy.
 */
export async function expectEachDeliveredOnce(server: Server, fleet: Fleet, ids: string[]): Promise<{ acceptAcks: number; assignments: number }> {
  const won = fleet.bots.flatMap((bot) => bot.wonAccepts.map((accept) => ({ ...accept, driverId: bot.driverId })));
  const details = await readDetails(server, fleet.org, [...new Set([...ids, ...won.map((w) => w.deliveryId)])]);
  let assignments = 0;
  for (const id of ids) {
    const d = details.get(id)!;
    expect(d.id).toBe(id);
    expect(d.status, `delivery ${id}`).toBe("delivered");
    const accepted = d.offers.filter((o) => o.status === "ACCEPTED");
    expect(accepted, `delivery ${id}: ${JSON.stringify(d.offers)}`).toHaveLength(1);
    expect(d.offers.filter((o) => o.status === "PENDING"), `delivery ${id}`).toHaveLength(0);
    expect(d.assignment, `delivery ${id}`).toMatchObject({ status: "COMPLETED", driverId: accepted[0]!.driverId, offerId: accepted[0]!.id });
    expect(d.assignedDriverId).toBe(accepted[0]!.driverId);
    assignments++;
  }
  for (const w of won) {
    expect(details.get(w.deliveryId)!.assignment, `acked accept ${JSON.stringify(w)}`).toMatchObject({ id: w.assignmentId, driverId: w.driverId });
  }
  const reader = await token("ops", fleet.org);
  const busy = await readJson(server, reader, `/v2/drivers?zoneId=${fleet.zoneId}&availability=busy&limit=500`);
  expect(busy.drivers, "drivers left busy").toEqual([]);
  return { acceptAcks: won.length, assignments };
}

/** Each trail has versions 1 … n, once each, and ends with the delivery completed. */
export function expectTrailsWhole(trails: Map<string, TrailEvent[]>): number {
  let rows = 0;
  for (const [id, events] of trails) {
    expect(
      events.map((e) => e.version),
      `delivery ${id}: audit versions`,
    ).toEqual(events.map((_, k) => k + 1));
    expect(new Set(events.map((e) => e.id)).size, `delivery ${id}: audit ids`).toBe(events.length);
    expect(events.at(-1)?.eventType, `delivery ${id}: last audit event`).toBe("delivery_completed");
    rows += events.length;
  }
  return rows;
}

/**
 * How D1's own audit rows differ from `trails` for those deliveries: rows missing from D1, rows
 * in D1 that the trails lack, and (deliveryId, version) pairs D1 holds more than once.
 */
export function auditDifference(stateDir: string, org: string, trails: Map<string, TrailEvent[]>): { missing: number; extra: number; duplicated: number } {
  const inD1 = auditRowsInD1(stateDir, org).filter((row) => trails.has(row.deliveryId));
  const d1Ids = new Set(inD1.map((row) => `${row.deliveryId}/${row.version}/${row.id}`));
  const expected = new Set([...trails].flatMap(([deliveryId, events]) => events.map((e) => `${deliveryId}/${e.version}/${e.id}`)));
  const versions = new Map<string, number>();
  for (const row of inD1) versions.set(`${row.deliveryId}/${row.version}`, (versions.get(`${row.deliveryId}/${row.version}`) ?? 0) + 1);
  return {
    missing: [...expected].filter((key) => !d1Ids.has(key)).length,
    extra: [...d1Ids].filter((key) => !expected.has(key)).length,
    duplicated: [...versions.values()].filter((n) => n > 1).length,
  };
}

/** D1's availability history of each driver is exactly the one the API shows: versions 1 … n, same moves. */
export function expectHistoriesInD1(stateDir: string, org: string, histories: Map<string, HistoryStep[]>): number {
  const rows = historyRowsInD1(stateDir, org);
  for (const [driverId, steps] of histories) {
    const mine = rows.filter((row) => row.driverId === driverId).sort((a, b) => a.version - b.version);
    expect(
      mine.map((row) => row.version),
      `driver ${driverId}: history versions in D1`,
    ).toEqual(steps.map((_, k) => k + 1));
    expect(
      mine.map(({ fromState, toState }) => ({ fromState, toState })),
      `driver ${driverId}: history moves in D1`,
    ).toEqual(steps.map(({ fromState, toState }) => ({ fromState, toState })));
  }
  return rows.length;
}

/** Every driver's stream over all its connections: seq 1, 2, 3 … (no gap, no repeat), unique eventIds, nothing malformed. */
export function expectStreamsWhole(bots: DriverBot[]): number {
  const eventIds = new Set<string>();
  let events = 0;
  for (const bot of bots) {
    expect(bot.problems, `driver ${bot.driverId}`).toEqual([]);
    expect(
      bot.events.map((e) => e.seq),
      `driver ${bot.driverId}: event seqs`,
    ).toEqual(bot.events.map((_, k) => k + 1));
    for (const e of bot.events) {
      expect(eventIds.has(e.eventId), `eventId ${e.eventId} seen twice`).toBe(false);
      eventIds.add(e.eventId);
      events++;
    }
  }
  return events;
}
