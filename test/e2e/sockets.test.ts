// End to end: 200 driver sockets on ONE zone of the README's `npm start`, a burst of 50 deliveries,
// and every driver auto-accepting every offer it is pushed.
//
// The zone dispatches in BROADCAST mode (3 offers per delivery at once, first accept wins): that
// is the mode where several drivers race to accept the same delivery, so it is the one that can
// break "exactly one assignment per delivery, at most one per driver". (Sequential mode has only
// one pending offer per delivery, so accepts never compete.) The losers' accepts are answered
// with `ack ok:false`, which is expected.
//
// Checked: every delivery ends assigned with exactly one ACCEPTED offer and an ACTIVE assignment
// to the driver that holds the accept; the busy drivers are exactly the assigned ones, once each;
// every offer the zone made reached its driver's socket; and every server event on every socket
// is JSON with seq 1, 2, 3, … (no gap, no repeat) and a unique eventId.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { spread, squarePolygon } from "../helpers/geometry";
import { pool } from "../../scripts/pool.mjs";
import { type Server, sleep, startServer, token } from "./server";

const DRIVERS = 200;
const DELIVERIES = 50;
const LOCATIONS_PER_DRIVER = 3;
/** HTTP requests in flight at once during setup. */
const CONCURRENCY = 16;
const ASSIGN_TIMEOUT_MS = 30_000;

const CENTER = { lat: 12.95, lon: 77.6 };
const ZONE_HALF_DEG = 0.05; // ~5.5 km each way
/** Drivers within ±1.5 km of the centre, pickups within ±1 km: every driver within 5 km of every pickup. */
const DRIVER_SPREAD_DEG = 0.015;
const PICKUP_SPREAD_DEG = 0.01;

/** Server messages that are replies, not stream events (no seq). */
const REPLY_TYPES = new Set(["ack", "pong", "error"]);

interface Client {
  driverId: string;
  ws: WebSocket;
  /** Every frame, as received. */
  raw: string[];
  /** Frames that did not parse as a JSON object. */
  unparsed: string[];
  events: any[];
  replies: any[];
  closed: Promise<void>;
  /** Resolves the next ack with this correlation id. */
  waiters: Map<string, (ack: any) => void>;
}

let server: Server;

beforeAll(async () => {
  server = await startServer({ seed: false });
});

afterAll(async () => {
  await server?.stop();
});

function connect(driverId: string, bearer: string): Promise<Client> {
  const ws = new WebSocket(`${server.wsUrl}/v2/drivers/${driverId}/ws?since=0`, {
    headers: { Authorization: `Bearer ${bearer}` },
  });
  const client: Client = {
    driverId,
    ws,
    raw: [],
    unparsed: [],
    events: [],
    replies: [],
    closed: new Promise((resolve) => ws.once("close", () => resolve())),
    waiters: new Map(),
  };
  ws.on("message", (data) => {
    const text = data.toString();
    client.raw.push(text);
    let message: any;
    try {
      message = JSON.parse(text);
    } catch {
      client.unparsed.push(text);
      return;
    }
    if (message === null || typeof message !== "object") {
      client.unparsed.push(text);
      return;
    }
    if (REPLY_TYPES.has(message.type)) {
      client.replies.push(message);
      const waiter = typeof message.id === "string" ? client.waiters.get(message.id) : undefined;
      if (waiter) {
        client.waiters.delete(message.id);
        waiter(message);
      }
      return;
    }
    client.events.push(message);
    // Auto-accept every offer, at once; losing the race is expected.
    if (message.type === "offer_created") {
      ws.send(JSON.stringify({ type: "accept_offer", id: `accept:${message.offerId}`, offerId: message.offerId }));
    }
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(client));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`${driverId}: upgrade answered ${res.statusCode}`)));
    ws.once("error", reject);
  });
}

/** Sends a message with a correlation id and waits for its ack (bounded). */
function sendAndAwaitAck(client: Client, message: Record<string, unknown>): Promise<any> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.waiters.delete(id);
      reject(new Error(`${client.driverId}: no ack for ${message.type} within 10 s`));
    }, 10_000);
    client.waiters.set(id, (ack) => {
      clearTimeout(timer);
      resolve(ack);
    });
    client.ws.send(JSON.stringify({ ...message, id }));
  });
}

describe("200 driver sockets on one zone, a burst of 50 deliveries, every driver auto-accepting", () => {
  const clients: Client[] = [];

  afterAll(async () => {
    for (const c of clients) if (c.ws.readyState === WebSocket.OPEN || c.ws.readyState === WebSocket.CONNECTING) c.ws.close(1000);
    await Promise.race([Promise.all(clients.map((c) => c.closed)), sleep(5_000)]);
    for (const c of clients) if (c.ws.readyState !== WebSocket.CLOSED) c.ws.terminate();
  });

  it("assigns every delivery exactly once, no driver twice, and streams gap-free events", async () => {
    const started = Date.now();
    const timings: string[] = [];
    const mark = (what: string) => timings.push(`${what} ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const org = randomUUID();
    const admin = await token("admin", org);
    const service = await token("service", org);

    // ── zone, drivers, resume ───────────────────────────────────────────────────────────────
    const zone = await server.request("POST", "/v2/admin/zones", admin, {
      name: "E2E sockets zone",
      polygon: squarePolygon(CENTER, ZONE_HALF_DEG),
      // Long offers: nothing may expire and be re-offered while the test runs.
      settings: { dispatchMode: "broadcast", broadcastSize: 3, offerTimeoutSeconds: 120, searchRadiusKm: 5 },
    });
    expect(zone.status, zone.text).toBe(201);
    const zoneId: string = zone.json.id;
    expect(zone.json.settings.dispatchMode).toBe("broadcast");

    const positions = Array.from({ length: DRIVERS }, (_, i) => ({
      lat: CENTER.lat + 2 * DRIVER_SPREAD_DEG * spread(i, 1),
      lon: CENTER.lon + 2 * DRIVER_SPREAD_DEG * spread(i, 2),
    }));
    const driverIds = await pool(positions, CONCURRENCY, async (location, i) => {
      const res = await server.request("POST", "/v2/admin/drivers", admin, {
        name: `Socket driver ${i}`,
        phone: `+9198${String(10_000_000 + i).slice(-8)}`,
        vehicle: "Honda Activa",
        vehicleType: "scooter",
        zoneId,
        location,
      });
      expect(res.status, res.text).toBe(201);
      return res.json.id as string;
    });
    mark(`${DRIVERS} drivers created`);
    const driverTokens = await Promise.all(driverIds.map((id) => token("driver", org, id)));
    await pool(driverIds, CONCURRENCY, async (id, i) => {
      const res = await server.request("POST", `/v2/drivers/${id}/availability/resume`, driverTokens[i]!, {});
      expect(res.status, res.text).toBe(200);
      expect(res.json.status).toBe("available");
    });
    mark("resumed");

    // ── sockets, location stream ────────────────────────────────────────────────────────────
    clients.push(...(await pool(driverIds, CONCURRENCY * 2, (id, i) => connect(id, driverTokens[i]!))));
    expect(clients).toHaveLength(DRIVERS);
    mark(`${DRIVERS} sockets open`);
    await Promise.all(
      clients.map(async (client, i) => {
        for (let k = 0; k < LOCATIONS_PER_DRIVER; k++) {
          const at = positions[i]!;
          const ack = await sendAndAwaitAck(client, {
            type: "location",
            lat: at.lat + 0.0001 * k,
            lon: at.lon + 0.0001 * k,
            accuracyMeters: 8,
            speed: 4,
            heading: 90,
          });
          expect(ack, JSON.stringify(ack)).toMatchObject({ type: "ack", for: "location", ok: true, applied: true });
        }
      }),
    );
    mark(`${DRIVERS * LOCATIONS_PER_DRIVER} location messages acked`);

    // ── the burst ───────────────────────────────────────────────────────────────────────────
    const deliveries = await Promise.all(
      Array.from({ length: DELIVERIES }, async (_, i) => {
        const pickup = {
          lat: CENTER.lat + 2 * PICKUP_SPREAD_DEG * spread(i, 3),
          lon: CENTER.lon + 2 * PICKUP_SPREAD_DEG * spread(i, 4),
        };
        const res = await server.request("POST", "/v2/deliveries", service, {
          sellerOrderId: `e2e-sockets-${org.slice(0, 8)}-${i}`,
          storeName: "E2E Store",
          pickup,
          dropoff: { lat: pickup.lat + 0.01, lon: pickup.lon + 0.01 },
        });
        expect(res.status, res.text).toBe(201);
        expect(res.json.zoneId).toBe(zoneId);
        return res.json.id as string;
      }),
    );
    mark(`${DELIVERIES} deliveries created`);

    // ── wait until every delivery is assigned ───────────────────────────────────────────────
    const details = new Map<string, any>();
    const deadline = Date.now() + ASSIGN_TIMEOUT_MS;
    let waiting = [...deliveries];
    while (waiting.length > 0) {
      // A fresh reader per round: each caller has its own read budget (RL_READS, 1,200 per minute).
      const reader = await token("ops", org);
      const reads = await pool(waiting, CONCURRENCY, (id) => server.request("GET", `/v2/admin/deliveries/${id}`, reader));
      waiting = waiting.filter((id, k) => {
        const read = reads[k]!;
        expect(read.status, read.text).toBe(200);
        details.set(id, read.json);
        return read.json.status !== "assigned";
      });
      if (waiting.length === 0) break;
      if (Date.now() > deadline) {
        throw new Error(
          `${waiting.length} of ${DELIVERIES} deliveries not assigned within ${ASSIGN_TIMEOUT_MS / 1000} s: ` +
            JSON.stringify(waiting.slice(0, 3).map((id) => details.get(id))),
        );
      }
      await sleep(250);
    }
    mark("all assigned");

    // ── every delivery: exactly one assignment ──────────────────────────────────────────────
    const assignedDrivers: string[] = [];
    const offersByDriver = new Map<string, Set<string>>();
    for (const id of deliveries) {
      const d = details.get(id);
      expect(d.status).toBe("assigned");
      const accepted = d.offers.filter((o: any) => o.status === "ACCEPTED");
      expect(accepted, `delivery ${id}: ${JSON.stringify(d.offers)}`).toHaveLength(1);
      expect(d.offers.filter((o: any) => o.status === "PENDING")).toHaveLength(0);
      expect(d.assignment).toMatchObject({ status: "ACTIVE", deliveryId: id, driverId: d.assignedDriverId, offerId: accepted[0].id });
      expect(accepted[0].driverId).toBe(d.assignedDriverId);
      assignedDrivers.push(d.assignedDriverId);
      for (const o of d.offers) {
        if (!offersByDriver.has(o.driverId)) offersByDriver.set(o.driverId, new Set());
        offersByDriver.get(o.driverId)!.add(o.id);
      }
    }

    // ── no driver holds two assignments ─────────────────────────────────────────────────────
    expect(new Set(assignedDrivers).size, "a driver is assigned twice").toBe(DELIVERIES);
    const busy = await server.request("GET", `/v2/drivers?zoneId=${zoneId}&availability=busy&limit=500`, admin);
    expect(busy.status, busy.text).toBe(200);
    const busyIds: string[] = busy.json.drivers.map((d: { id: string }) => d.id);
    expect(busyIds).toHaveLength(DELIVERIES);
    expect([...busyIds].sort()).toEqual([...assignedDrivers].sort());

    // ── sockets: every offer arrived; every accept was answered; winners match ──────────────
    const byDriver = new Map(clients.map((c) => [c.driverId, c]));
    const offerArrived = (c: Client) => new Set(c.events.filter((e) => e.type === "offer_created").map((e) => e.offerId));
    const acceptAcks = (c: Client) => c.replies.filter((r) => r.type === "ack" && r.for === "accept_offer");
    // Frames already sent may still be on the way: wait (bounded) until each offer's push and
    // each accept's ack are in.
    const complete = () =>
      [...offersByDriver].every(([driverId, ids]) => {
        const c = byDriver.get(driverId)!;
        return [...ids].every((id) => offerArrived(c).has(id)) && acceptAcks(c).length >= ids.size;
      });
    for (const until = Date.now() + 10_000; !complete() && Date.now() < until; ) await sleep(100);
    let offersMade = 0;
    for (const [driverId, ids] of offersByDriver) {
      const c = byDriver.get(driverId);
      expect(c, `offer to a driver without a client: ${driverId}`).toBeDefined();
      offersMade += ids.size;
      expect([...offerArrived(c!)].sort(), `driver ${driverId}: offers made vs offer_created received`).toEqual([...ids].sort());
    }
    const acks = clients.flatMap(acceptAcks);
    const won = acks.filter((a) => a.ok);
    expect(acks).toHaveLength(offersMade); // one accept per offer pushed, each answered
    expect(won).toHaveLength(DELIVERIES);
    expect(won.map((a) => a.deliveryId).sort()).toEqual([...deliveries].sort());
    for (const a of won) expect(details.get(a.deliveryId).assignedDriverId, JSON.stringify(a)).toBe(driverOfAck(a, clients));
    for (const a of acks.filter((x) => !x.ok)) expect(typeof a.error).toBe("string");

    // ── every event: JSON, seq 1, 2, 3 … per client, unique eventId ─────────────────────────
    const eventIds = new Set<string>();
    let events = 0;
    for (const c of clients) {
      expect(c.unparsed, `driver ${c.driverId}: frames that are not JSON objects`).toEqual([]);
      expect(c.replies.filter((r) => r.type === "error"), `driver ${c.driverId}: error replies`).toEqual([]);
      const seqs = c.events.map((e) => e.seq);
      expect(seqs, `driver ${c.driverId}: event seqs`).toEqual(seqs.map((_, k) => k + 1));
      for (const e of c.events) {
        expect(typeof e.eventId, JSON.stringify(e)).toBe("string");
        expect(eventIds.has(e.eventId), `eventId ${e.eventId} seen twice`).toBe(false);
        eventIds.add(e.eventId);
        events++;
      }
    }
    mark("checked");
    const lost = acks.length - won.length;
    console.log(
      `[sockets e2e] ${DRIVERS} sockets, ${DELIVERIES} deliveries, ${offersMade} offers pushed, ${won.length} accepts won, ${lost} lost (ack ok:false), ` +
        `${events} events checked; ${timings.join(", ")}`,
    );

    // ── close every socket ──────────────────────────────────────────────────────────────────
    for (const c of clients) c.ws.close(1000, "done");
    const allClosed = await Promise.race([Promise.all(clients.map((c) => c.closed)).then(() => true), sleep(10_000).then(() => false)]);
    expect(allClosed, "every socket closed within 10 s").toBe(true);
  });
});

/** The driver whose client received this ack. */
function driverOfAck(ack: any, clients: Client[]): string | undefined {
  return clients.find((c) => c.replies.includes(ack))?.driverId;
}
