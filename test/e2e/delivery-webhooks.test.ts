// End to end: delivery webhooks from `npm start` to a real receiver in this process (node:http).
// The receiver checks every signature itself (t=<s>,v1=<hex HMAC-SHA256 of "<t>.<body>">, and
// refuses timestamps over 5 minutes old), checks that no event of a delivery arrives before the
// earlier ones were taken, is down (503) for a while and then up, and a second org's receiver
// never comes up, so its subscription is switched off at the failure limit. The server runs with
// a short backoff and limit (DISPATCH_DELIVERY_WEBHOOK_*, honoured only in development).

import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { squarePolygon } from "../helpers/geometry";
import { type Server, sleep, startServer, token } from "./server";

const SECRET = "e2e-delivery-webhook-secret-0123";
const TOLERANCE_S = 300;
const DOWN_MS = 1500;
const RETRY_BASE_MS = 250;
const DISABLE_AFTER = 15;
const CENTER = { lat: 12.95, lon: 77.6 };
const LIFECYCLE = ["delivery.created", "delivery.assigned", "delivery.picked_up", "delivery.in_transit", "delivery.delivered"];

/** What a receiver should do with a signature: the README's example, in test form. */
function verified(header: string | undefined, body: string, nowS: number): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!match) return false;
  const [, t, given] = match;
  if (Math.abs(nowS - Number(t)) > TOLERANCE_S) return false;
  const expected = createHmac("sha256", SECRET).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(given!, "hex"));
}

interface Attempt {
  path: string;
  id: string;
  type: string;
  deliveryId: string;
  version: number;
  status: number;
}

const attempts: Attempt[] = [];
/** Event ids each path took (2xx), in the order taken. */
const taken = new Map<string, string[]>();
const problems: string[] = [];
let upAt = Number.POSITIVE_INFINITY;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const receiver = createServer(async (req, res) => {
  const path = req.url ?? "/";
  const body = await readBody(req);
  if (!verified(req.headers["x-dispatch-signature"] as string | undefined, body, Date.now() / 1000)) {
    problems.push(`bad signature on ${path}`);
    res.writeHead(400).end();
    return;
  }
  const event = JSON.parse(body);
  if (req.headers["x-dispatch-delivery"] !== event.id || req.headers["x-dispatch-event"] !== event.type) problems.push(`headers do not match ${event.id}`);
  // In order: every earlier event of this delivery must have been taken before this one is tried.
  const mine = taken.get(path) ?? [];
  const earlier = attempts.filter((a) => a.path === path && a.deliveryId === event.data.deliveryId && a.version < event.data.version);
  for (const a of earlier) if (!mine.includes(a.id)) problems.push(`${event.type} v${event.data.version} tried before ${a.type} v${a.version} was taken`);
  const up = path === "/orders" && Date.now() >= upAt;
  const status = up ? 200 : 503;
  attempts.push({ path, id: event.id, type: event.type, deliveryId: event.data.deliveryId, version: event.data.version, status });
  if (up && !mine.includes(event.id)) taken.set(path, [...mine, event.id]);
  res.writeHead(status).end();
});

let server: Server;
let hookBase = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  hookBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  server = await startServer({
    seed: false,
    env: {
      DISPATCH_DELIVERY_WEBHOOK_RETRY_BASE_MS: String(RETRY_BASE_MS),
      DISPATCH_DELIVERY_WEBHOOK_MAX_ATTEMPTS: "20",
      DISPATCH_DELIVERY_WEBHOOK_DISABLE_AFTER: String(DISABLE_AFTER),
    },
  });
});

afterAll(async () => {
  await server?.stop();
  receiver.close();
});

async function orgWithZone() {
  const org = randomUUID();
  const admin = await token("admin", org);
  const zone = await server.request("POST", "/v2/admin/zones", admin, { name: "Central", polygon: squarePolygon(CENTER) });
  expect(zone.status, zone.text).toBe(201);
  return { org, admin, service: await token("service", org) };
}

async function subscribe(admin: string, path: string): Promise<string> {
  const res = await server.request("POST", "/v2/admin/webhooks/subscriptions", admin, { url: `${hookBase}${path}`, secret: SECRET });
  expect(res.status, res.text).toBe(201);
  return res.json.id;
}

async function createDelivery(service: string): Promise<string> {
  const res = await server.request("POST", "/v2/deliveries", service, {
    sellerOrderId: `E2E-${randomUUID().slice(0, 8)}`,
    storeName: "Corner Store",
    pickup: { lat: 12.96, lon: 77.61 },
    dropoff: { lat: 12.98, lon: 77.63 },
  });
  expect(res.status, res.text).toBe(201);
  return res.json.id;
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, withinMs: number): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}\n${server.tail()}`);
    await sleep(200);
  }
}

describe("delivery webhooks end to end", () => {
  it("delivers every event of each delivery in order through a receiver that is down for a while", async () => {
    const { org, admin, service } = await orgWithZone();
    await subscribe(admin, "/orders");
    const driverRes = await server.request("POST", "/v2/admin/drivers", admin, {
      name: "E2E Driver",
      phone: "+919876543210",
      vehicle: "Activa",
      vehicleType: "scooter",
      zoneId: (await server.request("GET", "/v2/admin/zones", admin)).json.zones[0].id,
      location: CENTER,
    });
    expect(driverRes.status, driverRes.text).toBe(201);
    const driverId = driverRes.json.id;
    const driver = await token("driver", org, driverId);
    expect((await server.request("POST", `/v2/drivers/${driverId}/availability/resume`, driver, {})).status).toBe(200);

    upAt = Date.now() + DOWN_MS;
    const deliveries: string[] = [];
    for (let i = 0; i < 2; i++) {
      const id = await createDelivery(service);
      deliveries.push(id);
      const offers = await until(
        "an offer",
        async () => (await server.request("GET", `/v2/drivers/${driverId}/offers?status=PENDING`, driver)).json.offers,
        (o: any[]) => o.length > 0,
        10_000,
      );
      expect((await server.request("POST", `/v2/drivers/${driverId}/offers/${offers[0].id}/accept`, driver, {})).status).toBe(200);
      for (const status of ["picked_up", "in_transit", "delivered"]) {
        const moved = await server.request("POST", `/v2/drivers/${driverId}/deliveries/${id}/status`, driver, { status });
        expect(moved.status, moved.text).toBe(200);
      }
    }

    await until("all ten events taken", async () => taken.get("/orders")?.length ?? 0, (n) => n >= 10, 30_000);
    await sleep(1000); // nothing more (no duplicate) may come
    expect(problems).toEqual([]);
    const byId = new Map(attempts.map((a) => [a.id, a]));
    for (const delivery of deliveries) {
      const order = taken.get("/orders")!.map((id) => byId.get(id)!).filter((a) => a.deliveryId === delivery);
      expect(order.map((a) => a.type)).toEqual(LIFECYCLE);
    }
    // The receiver really was down: the first events were refused, then retried under the same id.
    const refused = attempts.filter((a) => a.path === "/orders" && a.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    for (const a of refused) expect(taken.get("/orders")).toContain(a.id);
    expect(attempts.filter((a) => a.path === "/orders" && a.status === 200)).toHaveLength(10);
    const subscription = (await server.request("GET", "/v2/admin/webhooks/subscriptions", admin)).json.subscriptions[0];
    expect(subscription).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });
  });

  it("disables a subscription whose receiver never comes up, at the failure limit", async () => {
    const { admin, service } = await orgWithZone();
    const id = await subscribe(admin, "/never");
    for (let i = 0; i < 5; i++) await createDelivery(service);
    const disabled = await until(
      "the subscription to be disabled",
      async () => (await server.request("GET", `/v2/admin/webhooks/subscriptions/${id}`, admin)).json,
      (s: any) => s.enabled === false,
      60_000,
    );
    expect(disabled.disabledReason).toMatch(new RegExp(`^disabled after ${DISABLE_AFTER} failed sends in a row \\(last: HTTP 503\\)$`));
    expect(disabled.consecutiveFailures).toBeGreaterThanOrEqual(DISABLE_AFTER);
    // Its queued events go to its dead letters, and the receiver hears no more.
    const letters = await until(
      "the five events in the dead letters",
      async () => (await server.request("GET", `/v2/admin/webhooks/subscriptions/${id}/dead-letters`, admin)).json.deadLetters,
      (l: any[]) => l.length === 5,
      30_000,
    );
    expect(new Set(letters.map((l: any) => l.eventType))).toEqual(new Set(["delivery.created"]));
    const heard = attempts.filter((a) => a.path === "/never").length;
    await sleep(2000);
    expect(attempts.filter((a) => a.path === "/never").length).toBe(heard);
    expect(problems).toEqual([]);
  });
});
