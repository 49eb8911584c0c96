/**
 * The customer's side (docs/api-notes.md "Sockets and tracking" and "WebSockets"): the order's socket
 * (`/v2/orders/:orderId/ws?token=`) streams that delivery's status, position (at most once a
 * second) and ETA (when it moves by a minute) and nothing else; the one-off read
 * `GET /v2/orders/:orderId/delivery-status` by tracking token or org token, its shape through a
 * delivery's life, its refusals, and the token's end 24 h after the delivery ended.
 *
 * Time-dependent rules read the zone's clock seam, which these tests pin to exact instants.
 */
import { runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import { client, json, newOrg } from "../helpers/api";
import { expectError, isoMs } from "../helpers/expect-error";
import { type Message, type TestSocket, closeOpenSockets, customerSocketPath, driverSocketPath, openSocket, upgrade } from "../helpers/sockets";
import { ok, sleep, zoneObject } from "../helpers/zone-object";

type Org = Awaited<ReturnType<typeof newOrg>>;
type Driver = Awaited<ReturnType<Org["addDriver"]>>;

const QUIET = { escalationSeconds: [86_400, 172_800, 259_200] };
const PICKUP = { lat: 12.96, lon: 77.61 };
const DROPOFF = { lat: 12.98, lon: 77.63 };
const north = (km: number) => ({ lat: PICKUP.lat + km / 111.195, lon: PICKUP.lon });
const CUSTOMER_TYPES = ["delivery_status_changed", "delivery_location_updated", "delivery_eta_updated"];

/** Pins the zone's "now" to `t` (epoch ms). */
async function setClock(o: Org, t: number): Promise<void> {
  await runInDurableObject(zoneObject(o), (zone: ZoneDispatcher) => {
    zone.clock = () => t;
  });
}

async function availableDriver(o: Org, location: { lat: number; lon: number }, extra: Record<string, unknown> = {}): Promise<Driver> {
  const d = await o.addDriver({ location, ...extra });
  await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
  await sleep(2);
  return d;
}

/** The driver's one pending offer, accepted over HTTP. */
async function acceptPending(d: Driver, deliveryId: string): Promise<void> {
  const [offer] = (await ok(d.client.get(`/drivers/${d.id}/offers?status=PENDING`))).offers;
  expect(offer?.deliveryId).toBe(deliveryId);
  await ok(d.client.post(`/drivers/${d.id}/offers/${offer.id}/accept`, {}));
}

const report = (d: Driver, deliveryId: string, status: string) =>
  ok(d.client.post(`/drivers/${d.id}/deliveries/${deliveryId}/status`, { status }));
const postLocation = (d: Driver, at: { lat: number; lon: number }) => ok(d.client.post(`/drivers/${d.id}/location`, at));

/** The delivery-status read with a tracking token only (no Authorization header). */
const track = (orderId: string, token?: string) =>
  exports.default.fetch(
    new Request(`https://dispatch.test/v2/orders/${orderId}/delivery-status${token === undefined ? "" : `?token=${encodeURIComponent(token)}`}`),
  );
const statusPath = (orderId: string) => `/orders/${orderId}/delivery-status`;

/** Every message on a customer socket is one of its delivery's three event types. */
function expectOnlyOwnEvents(s: TestSocket, deliveryId: string): Message[] {
  const events = s.events();
  expect(s.replies()).toEqual([]);
  expect(events.filter((e) => !CUSTOMER_TYPES.includes(e.type) || e.deliveryId !== deliveryId)).toEqual([]);
  return events;
}

// A failed test stops before its own close() calls.
afterEach(closeOpenSockets);

describe("customer socket", () => {
  it("streams its delivery's status, throttled position and ETA moves — nothing of another delivery, no offers or availability", async () => {
    const o = await newOrg(QUIET);
    const a = await availableDriver(o, north(1));
    const sa = await openSocket(driverSocketPath(a.id), { token: a.client.token });
    const d1 = await o.addDelivery({ pickup: PICKUP, dropoff: DROPOFF });
    const c1 = await openSocket(customerSocketPath(d1.orderId, d1.trackingToken));
    await acceptPending(a, d1.id);
    const b = await availableDriver(o, north(1.2));
    const d2 = await o.addDelivery({ pickup: PICKUP, dropoff: DROPOFF });
    const c2 = await openSocket(customerSocketPath(d2.orderId, d2.trackingToken));
    await acceptPending(b, d2.id);
    await c1.waitForEvent("delivery_status_changed", { status: "assigned" });
    await c2.waitForEvent("delivery_status_changed", { status: "assigned" });

    const t0 = Date.now() + 1000;
    await setClock(o, t0);
    let from = c1.mark();
    await postLocation(a, north(1));
    const loc1 = await c1.waitForEvent("delivery_location_updated", {}, { from });
    expect(loc1).toMatchObject({ deliveryId: d1.id, location: { ...north(1), accuracyMeters: 0 }, updatedAt: new Date(t0).toISOString() });
    const eta1 = await c1.waitForEvent("delivery_eta_updated", {}, { from });
    // The driver is 1 km away and the order is ready 5 min after creation: pickup is the ready time.
    expect(eta1.estimatedPickupTime).toBe(new Date(Date.parse(d1.createdAt) + 5 * 60_000).toISOString());
    expect(Date.parse(eta1.estimatedDeliveryTime)).toBeGreaterThan(Date.parse(eta1.estimatedPickupTime));
    expect(eta1.confidence).toBeGreaterThan(0.5);
    expect(eta1.confidence).toBeLessThanOrEqual(0.95);

    // Within the same second: more positions, none passed on.
    from = c1.mark();
    await postLocation(a, north(1.01));
    await postLocation(a, north(1.02));
    await postLocation(b, north(1.3)); // d2's customers hear of b
    await c2.waitForEvent("delivery_location_updated", { deliveryId: d2.id });
    await sleep(30);
    expect(c1.messages.slice(from)).toEqual([]);

    // A second later (this time over the driver's socket): the position, but the ETA has not moved.
    await setClock(o, t0 + 1000);
    from = c1.mark();
    expect(await sa.request({ type: "location", lat: north(0.9).lat, lon: north(0.9).lon, accuracyMeters: 12 })).toMatchObject({
      type: "ack",
      ok: true,
      applied: true,
    });
    const loc2 = await c1.waitForEvent("delivery_location_updated", {}, { from });
    expect(loc2.location).toEqual({ ...north(0.9), accuracyMeters: 12 });

    // Far away: the pickup moves by much more than a minute.
    await setClock(o, t0 + 2000);
    from = c1.mark();
    await postLocation(a, north(9));
    const eta2 = await c1.waitForEvent("delivery_eta_updated", {}, { from });
    const expectedPickup = t0 + 2000 + (9 / 25) * 3_600_000; // 9 km at avgSpeedKmh 25
    expect(Math.abs(Date.parse(eta2.estimatedPickupTime) - expectedPickup)).toBeLessThan(2000);
    expect(eta2.confidence).toBeLessThan(eta1.confidence);
    expect(eta2.confidence).toBeGreaterThanOrEqual(0.5);

    // 100 m on, a second later: the ETA moves by ~14 s, so only the position is sent.
    await setClock(o, t0 + 3000);
    await postLocation(a, north(8.9));
    await report(a, d1.id, "picked_up");
    await c1.waitForEvent("delivery_status_changed", { status: "picked_up" });
    await sleep(30);

    const events = expectOnlyOwnEvents(c1, d1.id);
    expect(events.map((e) => e.type)).toEqual([
      "delivery_status_changed", // assigned
      "delivery_location_updated",
      "delivery_eta_updated",
      "delivery_location_updated", // t0 + 1 s
      "delivery_location_updated", // t0 + 2 s, far away
      "delivery_eta_updated",
      "delivery_location_updated", // t0 + 3 s
      "delivery_status_changed", // picked_up
    ]);
    expect(events.at(-1)).toMatchObject({ orderId: d1.orderId, fromStatus: "assigned", status: "picked_up", changedAt: new Date(t0 + 3000).toISOString() });
    expect(events.at(-2)!.location).toMatchObject(north(8.9));
    const own2 = expectOnlyOwnEvents(c2, d2.id);
    expect(own2.map((e) => e.type)).toEqual(["delivery_status_changed", "delivery_location_updated", "delivery_eta_updated"]);

    // The customer stream replays like any other: from a seq on, exactly the rest.
    const again = await openSocket(customerSocketPath(d1.orderId, d1.trackingToken, events[2]!.seq));
    await again.waitFor((m) => m.seq === events.at(-1)!.seq);
    expect(again.events().map((e) => e.eventId)).toEqual(events.slice(3).map((e) => e.eventId));
    for (const s of [sa, c1, c2, again]) s.close();
  });

  it("opens with an org token too, and refuses a token of another order", async () => {
    const o = await newOrg(QUIET);
    const d1 = await o.addDelivery({ pickup: PICKUP, dispatch: "manual" });
    const d2 = await o.addDelivery({ pickup: PICKUP, dispatch: "manual" });
    const res = await upgrade(customerSocketPath(d2.orderId, d1.trackingToken));
    expect(res.webSocket).toBeNull();
    await expectError(res, 401);
    const viaOps = await openSocket(`/orders/${d1.orderId}/ws`, { token: o.ops.token });
    await ok(o.service.post(`/deliveries/${d1.id}/cancel`, { reason: "out of stock" }));
    const cancelled = await viaOps.waitForEvent("delivery_status_changed", { deliveryId: d1.id });
    expect(cancelled).toMatchObject({ fromStatus: "ready", status: "cancelled", reason: "out of stock" });
    viaOps.close();
  });
});

describe("GET /v2/orders/:orderId/delivery-status", () => {
  it("has the contract's shape through the delivery's life, by tracking token and by org token; the phone is always masked", async () => {
    const o = await newOrg(QUIET);
    const d = await availableDriver(o, north(1), { name: "Asha Kumar", phone: "+919876541234", vehicle: "Honda Activa" });
    const delivery = await o.addDelivery({ pickup: PICKUP, dropoff: DROPOFF, estimatedPrepTimeMinutes: 12, orderId: "web:order-77" });
    const orderId = delivery.orderId;
    expect(orderId).toBe("web:order-77");
    const base = {
      estimatedPrepTimeMinutes: 12,
      trackingUrl: delivery.trackingUrl,
      deliveryId: delivery.id,
      // What the tracking page draws and says.
      storeName: "Downtown Market",
      pickup: PICKUP,
      dropoff: DROPOFF,
      timezone: "UTC",
      updatedAt: expect.stringMatching(isoMs),
    };
    expect(delivery.trackingUrl).toBe(`https://dispatch.test/track/web:order-77?token=${delivery.trackingToken}`);

    expect(await ok(track(orderId, delivery.trackingToken))).toEqual({ status: "pending", ...base });

    await acceptPending(d, delivery.id);
    const assigned = await ok(track(orderId, delivery.trackingToken));
    expect(assigned).toEqual({
      status: "assigned",
      driver: { name: "Asha K.", rating: 5, vehicle: "Honda Activa", phone: "***-***-1234" },
      location: { ...north(1), accuracyMeters: 0, lastUpdated: expect.stringMatching(isoMs) },
      estimatedPickupTime: expect.stringMatching(isoMs),
      estimatedDeliveryTime: expect.stringMatching(isoMs),
      ...base,
    });
    expect(Date.parse(assigned.estimatedDeliveryTime)).toBeGreaterThan(Date.parse(assigned.estimatedPickupTime));
    // The order service, ops and admins read the same view (an admin does not see the phone here either).
    for (const reader of [o.service, o.ops, o.admin]) {
      expect(await ok(reader.get(statusPath(orderId)))).toEqual(assigned);
    }

    for (const status of ["picked_up", "in_transit"]) {
      await report(d, delivery.id, status);
      const view = await ok(track(orderId, delivery.trackingToken));
      expect(view).toMatchObject({ status, driver: { name: "Asha K.", phone: "***-***-1234" }, location: { lat: north(1).lat } });
      expect(view.estimatedDeliveryTime).toMatch(isoMs);
    }
    await report(d, delivery.id, "delivered");
    const done = await ok(track(orderId, delivery.trackingToken));
    expect(done).toEqual({ status: "delivered", driver: assigned.driver, ...base });
  });

  it("names failed and cancelled deliveries (cancelled is the documented extension)", async () => {
    const o = await newOrg(QUIET);
    const d = await availableDriver(o, north(1));
    const failing = await o.addDelivery({ pickup: PICKUP });
    await acceptPending(d, failing.id);
    await report(d, failing.id, "failed");
    expect(await ok(track(failing.orderId, failing.trackingToken))).toMatchObject({ status: "failed", driver: { phone: "***-***-3210" } });

    const cancelled = await o.addDelivery({ pickup: PICKUP });
    await ok(o.service.post(`/deliveries/${cancelled.id}/cancel`, { reason: "customer cancelled" }));
    const view = await ok(track(cancelled.orderId, cancelled.trackingToken));
    expect(view).toEqual({
      status: "cancelled",
      estimatedPrepTimeMinutes: 5,
      trackingUrl: cancelled.trackingUrl,
      deliveryId: cancelled.id,
      storeName: "Downtown Market",
      pickup: PICKUP,
      dropoff: { lat: 12.98, lon: 77.63 },
      timezone: "UTC",
      updatedAt: expect.stringMatching(isoMs),
    });
  });

  it("refuses wrong tokens with a 401 that reveals nothing, drivers with a 403, other orgs with a 404", async () => {
    const o = await newOrg(QUIET);
    const a = await o.addDelivery({ pickup: PICKUP, dispatch: "manual" });
    const b = await o.addDelivery({ pickup: PICKUP, dispatch: "manual" });
    const driver = await o.addDriver();
    const strip = (body: any) => ({ statusCode: body.statusCode, error: body.error, message: body.message, details: body.details });

    const wrongExisting = await expectError(await track(a.orderId, "x".repeat(43)), 401, `/v2${statusPath(a.orderId)}`);
    const wrongMissing = await expectError(await track("no-such-order", "x".repeat(43)), 401, "/v2/orders/no-such-order/delivery-status");
    const crossOrder = await expectError(await track(b.orderId, a.trackingToken), 401);
    const realTokenMissingOrder = await expectError(await track("no-such-order", a.trackingToken), 401);
    expect(wrongExisting.message).toMatch(/Unauthorized/);
    expect(strip(wrongMissing)).toEqual(strip(wrongExisting));
    expect(strip(crossOrder)).toEqual(strip(wrongExisting));
    expect(strip(realTokenMissingOrder)).toEqual(strip(wrongExisting));

    await expectError(await track(a.orderId), 401);
    const forbidden = await expectError(await driver.client.get(statusPath(a.orderId)), 403);
    expect(forbidden.message).toMatch(/Forbidden/);
    const foreign = await client("admin", crypto.randomUUID());
    await expectError(await foreign.get(statusPath(a.orderId)), 404);
    // Each token still opens its own order.
    expect((await ok(track(b.orderId, b.trackingToken))).deliveryId).toBe(b.id);
  });

  it("a tracking token stops working 24 h after the delivery ended; org tokens still read it", async () => {
    const o = await newOrg(QUIET);
    const d = await availableDriver(o, north(1));
    const delivery = await o.addDelivery({ pickup: PICKUP });
    await acceptPending(d, delivery.id);
    for (const status of ["picked_up", "in_transit", "delivered"]) await report(d, delivery.id, status);
    const endedAt = Date.parse((await ok(o.ops.get(`/admin/deliveries/${delivery.id}`))).updatedAt);

    await setClock(o, endedAt + 24 * 3_600_000 - 60_000);
    expect((await ok(track(delivery.orderId, delivery.trackingToken))).status).toBe("delivered");
    const socket = await openSocket(customerSocketPath(delivery.orderId, delivery.trackingToken));

    await setClock(o, endedAt + 24 * 3_600_000 + 60_000);
    const expired = await expectError(await track(delivery.orderId, delivery.trackingToken), 401);
    expect(expired.message).toMatch(/Unauthorized/);
    const refused = await upgrade(customerSocketPath(delivery.orderId, delivery.trackingToken));
    expect(refused.webSocket).toBeNull();
    await expectError(refused, 401);
    expect((await ok(o.service.get(statusPath(delivery.orderId)))).status).toBe("delivered");
    socket.close();
  });

  it("tracking-token reads are counted per token, and ordinary polling goes through", async () => {
    const o = await newOrg(QUIET);
    const delivery = await o.addDelivery({ pickup: PICKUP, dispatch: "manual" });
    for (let i = 0; i < 5; i++) {
      const res = await track(delivery.orderId, delivery.trackingToken);
      expect(res.status).toBe(200);
      expect((await json(res)).status).toBe("pending");
    }
  });
});
