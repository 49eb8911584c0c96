/**
 * Offers through the real Worker and zone object (docs/api-notes.md "Offers and dispatch", "Deliveries"): manual offers
 * and their payload arithmetic, the driver's offer list, accept / reject / expiry, release and
 * ops reassignment, and the driver's status reports to the end of a delivery.
 *
 * Deliveries here use `dispatch: "manual"` unless automatic matching is the point, so only the
 * offers a test makes exist. Manual offers are limited to 10 per minute per caller, and refused
 * requests count too, so every offer is made by a fresh ops caller unless the caller matters.
 * Expiry moves the zone object's `clock` seam instead of waiting; zones push escalation a day
 * out and clock moves stay under offlineAfterSeconds, so a move adds no events of its own.
 */
import { describe, expect, it } from "vitest";
import { type Client, client, newOrg } from "../helpers/api";
import { squarePolygon } from "../helpers/geometry";
import { expectError, expectValidationError, isoMs, uuidPattern } from "../helpers/expect-error";
import { startInOneRateWindow } from "../helpers/rate-window";
import { moveZoneClock, ok, runAlarmNow, sleep } from "../helpers/zone-object";

type Org = Awaited<ReturnType<typeof newOrg>>;
type Driver = Awaited<ReturnType<Org["addDriver"]>>;

const QUIET = { escalationSeconds: [86_400, 172_800, 259_200] };

/** A driver who has resumed (available, heard from just now) at `location`. */
async function availableDriver(o: Org, overrides: Record<string, unknown> = {}): Promise<Driver> {
  const d = await o.addDriver(overrides);
  await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
  return d;
}

/** A manual offer by a fresh ops caller (the manual-offer budget is per caller). */
async function offerTo(o: Org, deliveryId: string, body: Record<string, unknown>, caller?: Client): Promise<Response> {
  const ops = caller ?? (await client("ops", o.org));
  return ops.post(`/deliveries/${deliveryId}/offers`, body);
}

async function makeOffer(o: Org, deliveryId: string, driverId: string, extra: Record<string, unknown> = {}): Promise<any> {
  return ok(offerTo(o, deliveryId, { driverId, ...extra }), 201);
}

async function detail(o: Org, deliveryId: string): Promise<any> {
  return ok(o.ops.get(`/admin/deliveries/${deliveryId}`));
}

async function auditEvents(o: Org, deliveryId: string): Promise<any[]> {
  return (await ok(o.ops.get(`/admin/deliveries/${deliveryId}/audit`))).events;
}

async function availabilityOf(o: Org, driverId: string): Promise<string> {
  return (await ok(o.admin.get(`/drivers/${driverId}`))).availability;
}

async function offersOf(reader: Client, driverId: string, status?: string): Promise<any[]> {
  return (await ok(reader.get(`/drivers/${driverId}/offers${status ? `?status=${status}` : ""}`))).offers;
}

// ── the contract's arithmetic, computed here independently ────────────────────────────────

const R_KM = 6371.0088;
const rad = (deg: number) => (deg * Math.PI) / 180;
function greatCircleKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const s =
    Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * R_KM * Math.asin(Math.sqrt(s));
}
const round2 = (n: number) => Math.round(n * 100) / 100;

describe("POST /v2/deliveries/:id/offers (manual offer)", () => {
  const SETTINGS = { ...QUIET, avgSpeedKmh: 20, baseFee: 30, perKmFee: 8.5, offerTimeoutSeconds: 45 };
  const DRIVER_AT = { lat: 12.93, lon: 77.58 };
  const PICKUP = { lat: 12.955, lon: 77.612 };
  const DROPOFF = { lat: 12.99, lon: 77.64 };
  const PREP_MIN = 7;

  it("201 with exactly the seed's shape; payload numbers follow docs/api.md's formulas", async () => {
    const o = await newOrg(SETTINGS);
    const driver = await availableDriver(o, { location: DRIVER_AT });
    const delivery = await o.addDelivery({
      dispatch: "manual",
      storeName: "Koramangala Fresh",
      pickup: PICKUP,
      dropoff: DROPOFF,
      estimatedPrepTimeMinutes: PREP_MIN,
    });
    const ops = await client("ops", o.org);
    const before = Date.now();
    const created = await ok(ops.post(`/deliveries/${delivery.id}/offers`, { driverId: driver.id }), 201);
    const after = Date.now();

    expect(Object.keys(created).sort()).toEqual(["expiresAt", "offerId", "payload", "success"]);
    expect(created.success).toBe(true);
    expect(created.offerId).toMatch(uuidPattern);
    expect(created.expiresAt).toMatch(isoMs);
    expect(Object.keys(created.payload).sort()).toEqual([
      "estimatedDeliveryTime",
      "estimatedDistanceKm",
      "estimatedEarning",
      "estimatedPickupTimeMin",
      "pickupLocation",
      "pickupStoreName",
    ]);

    const toPickupKm = greatCircleKm(DRIVER_AT, PICKUP);
    const tripKm = greatCircleKm(PICKUP, DROPOFF);
    const travelS = (km: number) => (km / SETTINGS.avgSpeedKmh) * 3600;
    // Sanity of the fixture: the figures are not near a rounding edge.
    expect(toPickupKm).toBeGreaterThan(3.5);
    expect(toPickupKm).toBeLessThan(4.5);
    const { payload } = created;
    expect(payload.pickupLocation).toEqual(PICKUP);
    expect(payload.pickupStoreName).toBe("Koramangala Fresh");
    expect(payload.estimatedDistanceKm).toBe(round2(toPickupKm));
    expect(payload.estimatedPickupTimeMin).toBe(Math.ceil((travelS(toPickupKm) + PREP_MIN * 60) / 60));
    expect(payload.estimatedEarning).toBe(round2(SETTINGS.baseFee + SETTINGS.perKmFee * (toPickupKm + tripKm)));
    // Not one of the defaults: the zone's own settings were used.
    expect(payload.estimatedEarning).not.toBe(round2(40 + 12 * (toPickupKm + tripKm)));

    // Times: expiry at the zone's offerTimeoutSeconds, delivery after both legs and the prep.
    const [listed] = await offersOf(driver.client, driver.id);
    expect(listed).toStrictEqual({
      id: created.offerId,
      deliveryId: delivery.id,
      status: "PENDING",
      payload,
      createdAt: expect.stringMatching(isoMs),
      expiresAt: created.expiresAt,
    });
    const createdAt = Date.parse(listed.createdAt);
    expect(createdAt).toBeGreaterThanOrEqual(before - 5);
    expect(createdAt).toBeLessThanOrEqual(after + 5);
    expect(Date.parse(created.expiresAt) - createdAt).toBe(SETTINGS.offerTimeoutSeconds * 1000);
    expect(payload.estimatedDeliveryTime).toMatch(isoMs);
    const deliveryMs = (travelS(toPickupKm) + PREP_MIN * 60 + travelS(tripKm)) * 1000;
    expect(Math.abs(Date.parse(payload.estimatedDeliveryTime) - createdAt - deliveryMs)).toBeLessThanOrEqual(1);

    // The delivery's detail lists the offer, made manually, by nobody else.
    const d = await detail(o, delivery.id);
    expect(d.status).toBe("ready");
    expect(d.offers).toHaveLength(1);
    expect(d.offers[0]).toMatchObject({ id: created.offerId, driverId: driver.id, status: "PENDING", mode: "manual" });
    // The audit names the offer and who made it.
    const offerCreated = (await auditEvents(o, delivery.id)).filter((e) => e.eventType === "offer_created");
    expect(offerCreated).toHaveLength(1);
    expect(offerCreated[0]).toMatchObject({ actorType: "admin", actorId: ops.sub, details: { offerId: created.offerId, driverId: driver.id } });
  });

  it("a driver at the pickup is 0 km away and the earning is the base fee plus the trip", async () => {
    const o = await newOrg(SETTINGS);
    const driver = await availableDriver(o, { location: PICKUP });
    const delivery = await o.addDelivery({ dispatch: "manual", pickup: PICKUP, dropoff: DROPOFF, estimatedPrepTimeMinutes: 0 });
    const { payload } = await makeOffer(o, delivery.id, driver.id);
    const tripKm = greatCircleKm(PICKUP, DROPOFF);
    expect(payload.estimatedDistanceKm).toBe(0);
    expect(payload.estimatedPickupTimeMin).toBe(0);
    expect(payload.estimatedEarning).toBe(round2(SETTINGS.baseFee + SETTINGS.perKmFee * tripKm));
  });

  it("expiresInSeconds: default the zone's timeout; 10 and 120 accepted; anything else 400", async () => {
    const o = await newOrg({ ...QUIET, offerTimeoutSeconds: 20 });
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const drivers = await Promise.all([availableDriver(o), availableDriver(o), availableDriver(o)]);

    for (const [driver, seconds] of [
      [drivers[0]!, undefined],
      [drivers[1]!, 10],
      [drivers[2]!, 120],
    ] as const) {
      const created = await makeOffer(o, delivery.id, driver.id, seconds === undefined ? {} : { expiresInSeconds: seconds });
      const [listed] = await offersOf(o.ops, driver.id);
      expect(listed.id).toBe(created.offerId);
      expect(Date.parse(created.expiresAt) - Date.parse(listed.createdAt)).toBe((seconds ?? 20) * 1000);
    }

    const another = await availableDriver(o);
    for (const bad of [9, 121, -10, 100_000, 30.5, "30", null]) {
      const res = await offerTo(o, delivery.id, { driverId: another.id, expiresInSeconds: bad });
      await expectValidationError(res, "body.expiresInSeconds");
    }
    expect(await offersOf(o.ops, another.id)).toEqual([]);
  });

  it("refuses a bad body or path with 400 before anything else", async () => {
    const o = await newOrg(QUIET);
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const driver = await availableDriver(o);
    await expectValidationError(await offerTo(o, delivery.id, { driverId: "not-a-uuid" }), "body.driverId");
    await expectValidationError(await offerTo(o, delivery.id, {}), "body.driverId");
    await expectValidationError(await offerTo(o, delivery.id, { driverId: driver.id, surprise: true }));
    await expectValidationError(await offerTo(o, "not-a-uuid", { driverId: driver.id }));
    // 400 comes before 403: a driver token with a bad body is still a validation failure.
    await expectValidationError(await driver.client.post(`/deliveries/${delivery.id}/offers`, { driverId: "x" }));
    expect(await offersOf(o.ops, driver.id)).toEqual([]);
  });

  it("only ops and admin may offer: driver and service tokens → 403", async () => {
    const o = await newOrg(QUIET);
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const driver = await availableDriver(o);
    const path = `/deliveries/${delivery.id}/offers`;
    const forbidden = await expectError(await driver.client.post(path, { driverId: driver.id }), 403, `/v2${path}`);
    expect(forbidden.message).toContain("Forbidden");
    await expectError(await o.service.post(path, { driverId: driver.id }), 403, `/v2${path}`);
    expect(await offersOf(o.ops, driver.id)).toEqual([]);
    // admin may.
    await ok(o.admin.post(path, { driverId: driver.id }), 201);
  });

  it("404 for an unknown delivery or driver, and for another org's delivery or driver", async () => {
    const o = await newOrg(QUIET);
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const driver = await availableDriver(o);
    await expectError(await offerTo(o, crypto.randomUUID(), { driverId: driver.id }), 404);
    await expectError(await offerTo(o, delivery.id, { driverId: crypto.randomUUID() }), 404);

    const other = await newOrg(QUIET);
    const theirDriver = await availableDriver(other);
    const theirDelivery = await other.addDelivery({ dispatch: "manual" });
    // Org B's ops naming org A's things, and org A's ops naming org B's driver.
    await expectError(await offerTo(other, delivery.id, { driverId: theirDriver.id }), 404);
    await expectError(await offerTo(other, delivery.id, { driverId: driver.id }), 404);
    await expectError(await offerTo(o, delivery.id, { driverId: theirDriver.id }), 404);
    await expectError(await offerTo(o, theirDelivery.id, { driverId: driver.id }), 404);
    expect(await offersOf(o.ops, driver.id)).toEqual([]);
    expect(await offersOf(other.ops, theirDriver.id)).toEqual([]);
  });

  it("409 when the driver is not available, the delivery is not ready, the driver holds an offer for it, or works elsewhere", async () => {
    const o = await newOrg(QUIET);
    const delivery = await o.addDelivery({ dispatch: "manual" });

    // Not available: offline (never resumed), on a break, paused.
    const offline = await o.addDriver();
    expect((await expectError(await offerTo(o, delivery.id, { driverId: offline.id }), 409)).error).toBe("Conflict");
    const onBreak = await availableDriver(o);
    await ok(onBreak.client.post(`/drivers/${onBreak.id}/availability/take-break`, { durationMinutes: 10 }));
    await expectError(await offerTo(o, delivery.id, { driverId: onBreak.id }), 409);
    const paused = await availableDriver(o);
    await ok(o.ops.post(`/admin/drivers/${paused.id}/pause`));
    await expectError(await offerTo(o, delivery.id, { driverId: paused.id }), 409);

    // Already holding a pending offer for this delivery.
    const driver = await availableDriver(o);
    await makeOffer(o, delivery.id, driver.id);
    await expectError(await offerTo(o, delivery.id, { driverId: driver.id }), 409);
    expect(await offersOf(o.ops, driver.id)).toHaveLength(1);

    // A driver of another zone of the same org.
    const north = await ok(
      o.admin.post("/admin/zones", { name: "North", polygon: squarePolygon({ lat: 13.3, lon: 77.6 }), settings: QUIET }),
      201,
    );
    const elsewhere = await o.addDriver({ zoneId: north.id, location: { lat: 13.3, lon: 77.6 } });
    await ok(elsewhere.client.post(`/drivers/${elsewhere.id}/availability/resume`));
    await expectError(await offerTo(o, delivery.id, { driverId: elsewhere.id }), 409);

    // Delivery no longer ready: cancelled, or assigned.
    const cancelled = await o.addDelivery({ dispatch: "manual" });
    await ok(o.service.post(`/deliveries/${cancelled.id}/cancel`, { reason: "customer_cancelled" }));
    const free = await availableDriver(o);
    await expectError(await offerTo(o, cancelled.id, { driverId: free.id }), 409);
    const taken = await o.addDelivery({ dispatch: "manual" });
    const winner = await availableDriver(o);
    const offer = await makeOffer(o, taken.id, winner.id);
    await ok(winner.client.post(`/drivers/${winner.id}/offers/${offer.offerId}/accept`, {}));
    await expectError(await offerTo(o, taken.id, { driverId: free.id }), 409);
    // A busy driver is not available either.
    await expectError(await offerTo(o, delivery.id, { driverId: winner.id }), 409);

    for (const d of [offline, onBreak, paused, elsewhere, free]) expect(await offersOf(o.ops, d.id)).toEqual([]);
  });

  it("rate limit: the 11th manual offer of one caller within a minute → 429 with Retry-After; others may go on", async () => {
    const o = await newOrg(QUIET);
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const drivers = await Promise.all(Array.from({ length: 11 }, () => availableDriver(o)));
    await startInOneRateWindow(4000);

    const ops = await client("ops", o.org);
    for (const d of drivers.slice(0, 10)) await ok(offerTo(o, delivery.id, { driverId: d.id }, ops), 201);
    const last = drivers[10]!;
    const limited = await offerTo(o, delivery.id, { driverId: last.id }, ops);
    const retryAfter = Number(limited.headers.get("retry-after"));
    await expectError(limited, 429, `/v2/deliveries/${delivery.id}/offers`);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await offersOf(o.ops, last.id)).toEqual([]);

    // Another caller has its own budget; other writes of the limited caller are not affected.
    await ok(offerTo(o, delivery.id, { driverId: last.id }), 201);
    expect((await detail(o, delivery.id)).offers).toHaveLength(11);
    await ok(ops.post(`/admin/drivers/${drivers[0]!.id}/pause`));
  }, 20_000);
});

describe("GET /v2/drivers/:id/offers", () => {
  it("lists the driver's offers newest first, filters by status, and is the driver's own", async () => {
    const o = await newOrg(QUIET);
    const driver = await availableDriver(o);
    const deliveries = [];
    for (let i = 0; i < 3; i++) deliveries.push(await o.addDelivery({ dispatch: "manual" }));
    const made = [];
    for (const d of deliveries) {
      made.push(await makeOffer(o, d.id, driver.id));
      await sleep(3);
    }
    const rejected = await ok(driver.client.post(`/drivers/${driver.id}/offers/${made[0].offerId}/reject`, { reason: "no_time" }));
    expect(rejected.reason).toBe("no_time");

    const all = await offersOf(driver.client, driver.id);
    expect(all.map((x) => x.id)).toEqual([made[2].offerId, made[1].offerId, made[0].offerId]);
    expect(all.map((x) => x.deliveryId)).toEqual([deliveries[2].id, deliveries[1].id, deliveries[0].id]);
    expect(all.map((x) => x.status)).toEqual(["PENDING", "PENDING", "REJECTED"]);
    const times = all.map((x) => Date.parse(x.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // An answered offer (accepted or rejected) also says how long the driver took.
    for (const x of all) {
      const answered = x.status === "REJECTED" ? ["responseTimeMs"] : [];
      expect(Object.keys(x).sort()).toEqual(["createdAt", "deliveryId", "expiresAt", "id", "payload", ...answered, "status"].sort());
    }

    expect((await offersOf(driver.client, driver.id, "PENDING")).map((x) => x.id)).toEqual([made[2].offerId, made[1].offerId]);
    expect((await offersOf(driver.client, driver.id, "REJECTED")).map((x) => x.id)).toEqual([made[0].offerId]);
    expect(await offersOf(driver.client, driver.id, "ACCEPTED")).toEqual([]);
    expect(await offersOf(o.ops, driver.id)).toEqual(all);
    expect(await offersOf(o.admin, driver.id)).toEqual(all);

    await expectValidationError(await driver.client.get(`/drivers/${driver.id}/offers?status=pending`), "query.status");
    await expectValidationError(await driver.client.get(`/drivers/${driver.id}/offers?status=BOGUS`), "query.status");
    const other = await availableDriver(o);
    await expectError(await other.client.get(`/drivers/${driver.id}/offers`), 403, `/v2/drivers/${driver.id}/offers`);
    expect(await offersOf(other.client, other.id)).toEqual([]);
    await expectError(await o.ops.get(`/drivers/${crypto.randomUUID()}/offers`), 404);
    const stranger = await newOrg(QUIET);
    await expectError(await stranger.ops.get(`/drivers/${driver.id}/offers`), 404);
  });
});

describe("accepting an offer", () => {
  it("200 with the seed's shape; driver busy, delivery assigned, offer ACCEPTED, one ACTIVE assignment", async () => {
    const o = await newOrg(QUIET);
    const driver = await availableDriver(o);
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const offer = await makeOffer(o, delivery.id, driver.id);
    const acceptedAt = new Date().toISOString();
    const accepted = await ok(driver.client.post(`/drivers/${driver.id}/offers/${offer.offerId}/accept`, { acceptedAt }));
    expect(Object.keys(accepted).sort()).toEqual(["assignmentId", "deliveryId", "driverId", "responseTimeMs", "success"]);
    expect(accepted).toMatchObject({ success: true, deliveryId: delivery.id, driverId: driver.id });
    expect(accepted.assignmentId).toMatch(uuidPattern);
    expect(Number.isInteger(accepted.responseTimeMs)).toBe(true);
    expect(accepted.responseTimeMs).toBeGreaterThanOrEqual(0);

    expect(await availabilityOf(o, driver.id)).toBe("busy");
    const d = await detail(o, delivery.id);
    expect(d.status).toBe("assigned");
    expect(d.assignedDriverId).toBe(driver.id);
    expect(d.offers).toHaveLength(1);
    expect(d.offers[0]).toMatchObject({ id: offer.offerId, status: "ACCEPTED", responseTimeMs: accepted.responseTimeMs });
    expect(d.offers[0].acceptedAt).toMatch(isoMs);
    expect(d.assignment).toMatchObject({
      id: accepted.assignmentId,
      deliveryId: delivery.id,
      driverId: driver.id,
      offerId: offer.offerId,
      status: "ACTIVE",
    });
    const [listed] = await offersOf(driver.client, driver.id);
    expect(listed).toMatchObject({ id: offer.offerId, status: "ACCEPTED", responseTimeMs: accepted.responseTimeMs });

    const types = (await auditEvents(o, delivery.id)).map((e) => e.eventType);
    expect(types).toEqual(["created", "offer_created", "offer_accepted", "driver_assigned"]);
  });

  it("accepting again → 409; another driver's offer → 404 (or 403 on another driver's path)", async () => {
    const o = await newOrg(QUIET);
    const [a, b] = [await availableDriver(o), await availableDriver(o)];
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const offerA = await makeOffer(o, delivery.id, a.id);
    const offerB = await makeOffer(o, delivery.id, b.id);

    // b names a's offer under its own path: not its offer.
    await expectError(await b.client.post(`/drivers/${b.id}/offers/${offerA.offerId}/accept`, {}), 404);
    // b on a's path: not its path.
    await expectError(await b.client.post(`/drivers/${a.id}/offers/${offerA.offerId}/accept`, {}), 403);
    await expectError(await a.client.post(`/drivers/${a.id}/offers/${crypto.randomUUID()}/accept`, {}), 404);
    await expectValidationError(await a.client.post(`/drivers/${a.id}/offers/nope/accept`, {}));
    await expectValidationError(await a.client.post(`/drivers/${a.id}/offers/${offerA.offerId}/accept`, { acceptedAt: "yesterday" }), "body.acceptedAt");
    expect((await detail(o, delivery.id)).status).toBe("ready");

    await ok(a.client.post(`/drivers/${a.id}/offers/${offerA.offerId}/accept`, {}));
    const again = await expectError(await a.client.post(`/drivers/${a.id}/offers/${offerA.offerId}/accept`, {}), 409);
    expect(again.error).toBe("Conflict");
    // b's offer was withdrawn when a took the delivery.
    await expectError(await b.client.post(`/drivers/${b.id}/offers/${offerB.offerId}/accept`, {}), 409);
    const d = await detail(o, delivery.id);
    expect(d.offers.map((x: any) => [x.driverId, x.status])).toEqual([
      [a.id, "ACCEPTED"],
      [b.id, "CANCELLED"],
    ]);
    expect(d.assignment.driverId).toBe(a.id);
    expect(await availabilityOf(o, b.id)).toBe("available");
  });

  it("responseTimeMs follows the driver's acceptedAt, within what is possible", async () => {
    const o = await newOrg(QUIET);
    const driver = await availableDriver(o);
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const offer = await makeOffer(o, delivery.id, driver.id);
    const [listed] = await offersOf(driver.client, driver.id);
    const createdAt = Date.parse(listed.createdAt);
    await sleep(30);
    const accepted = await ok(
      driver.client.post(`/drivers/${driver.id}/offers/${offer.offerId}/accept`, { acceptedAt: new Date(createdAt + 20).toISOString() }),
    );
    expect(accepted.responseTimeMs).toBe(20);
  });

  it("an offer past its expiresAt cannot be accepted (409) even before the alarm ran", async () => {
    const o = await newOrg({ ...QUIET, offerTimeoutSeconds: 10 });
    const driver = await availableDriver(o);
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const offer = await makeOffer(o, delivery.id, driver.id);
    await moveZoneClock(o, 10_000 + 50);
    const refused = await expectError(await driver.client.post(`/drivers/${driver.id}/offers/${offer.offerId}/accept`, {}), 409);
    expect(refused.message).toMatch(/expired|EXPIRED/);
    await expectError(await driver.client.post(`/drivers/${driver.id}/offers/${offer.offerId}/reject`, {}), 409);
    const d = await detail(o, delivery.id);
    expect(d.status).toBe("ready");
    expect(d.assignment).toBeNull();
    expect(["PENDING", "EXPIRED"]).toContain(d.offers[0].status);
    expect(await availabilityOf(o, driver.id)).toBe("available");
  });
});

describe("rejecting an offer", () => {
  it("200 { success, reason } (reason echoed, default other); offer REJECTED; driver stays available", async () => {
    const o = await newOrg(QUIET);
    const driver = await availableDriver(o);
    const [d1, d2] = [await o.addDelivery({ dispatch: "manual" }), await o.addDelivery({ dispatch: "manual" })];
    const o1 = await makeOffer(o, d1.id, driver.id);
    const o2 = await makeOffer(o, d2.id, driver.id);

    await expectValidationError(await driver.client.post(`/drivers/${driver.id}/offers/${o1.offerId}/reject`, { reason: "lazy" }), "body.reason");
    const r1 = await ok(driver.client.post(`/drivers/${driver.id}/offers/${o1.offerId}/reject`, { reason: "bad_area" }));
    expect(r1).toStrictEqual({ success: true, reason: "bad_area" });
    const r2 = await ok(driver.client.post(`/drivers/${driver.id}/offers/${o2.offerId}/reject`));
    expect(r2).toStrictEqual({ success: true, reason: "other" });

    const detail1 = await detail(o, d1.id);
    expect(detail1.offers[0]).toMatchObject({ id: o1.offerId, status: "REJECTED", rejectionReason: "bad_area" });
    expect(detail1.offers[0].rejectedAt).toMatch(isoMs);
    expect((await detail(o, d2.id)).offers[0]).toMatchObject({ status: "REJECTED", rejectionReason: "other" });
    expect(detail1.status).toBe("ready");
    expect(await availabilityOf(o, driver.id)).toBe("available");
    const rejectedEvents = (await auditEvents(o, d1.id)).filter((e) => e.eventType === "offer_rejected");
    expect(rejectedEvents).toHaveLength(1);
    expect(rejectedEvents[0]).toMatchObject({ actorType: "driver", actorId: driver.id, details: { offerId: o1.offerId, reason: "bad_area" } });

    // Settled offers cannot be answered again either way.
    await expectError(await driver.client.post(`/drivers/${driver.id}/offers/${o1.offerId}/reject`, {}), 409);
    await expectError(await driver.client.post(`/drivers/${driver.id}/offers/${o1.offerId}/accept`, {}), 409);
    // And a rejected driver can still be offered something else.
    const d3 = await o.addDelivery({ dispatch: "manual" });
    await makeOffer(o, d3.id, driver.id);
  });

  it("in auto dispatch the next candidate is offered at once and named in nextOfferId", async () => {
    const o = await newOrg(QUIET);
    const near = await availableDriver(o, { location: { lat: 12.961, lon: 77.611 } });
    const far = await availableDriver(o, { location: { lat: 12.975, lon: 77.63 } });
    const delivery = await o.addDelivery({ pickup: { lat: 12.96, lon: 77.61 } });
    const [first] = await offersOf(near.client, near.id, "PENDING");
    expect(first.deliveryId).toBe(delivery.id);
    expect(await offersOf(far.client, far.id)).toEqual([]);

    const rejected = await ok(near.client.post(`/drivers/${near.id}/offers/${first.id}/reject`, { reason: "too_far" }));
    expect(Object.keys(rejected).sort()).toEqual(["nextOfferId", "reason", "success"]);
    expect(rejected.reason).toBe("too_far");
    const [next] = await offersOf(far.client, far.id, "PENDING");
    expect(next.id).toBe(rejected.nextOfferId);
    expect(next.deliveryId).toBe(delivery.id);
    // The first driver is not asked again.
    expect(await offersOf(near.client, near.id, "PENDING")).toEqual([]);
  });
});

describe("expiry", () => {
  it("the alarm expires an unanswered offer: EXPIRED, audited as offer_expired", async () => {
    const o = await newOrg({ ...QUIET, offerTimeoutSeconds: 10 });
    const driver = await availableDriver(o);
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const offer = await makeOffer(o, delivery.id, driver.id);

    // Not yet due: the alarm leaves it alone.
    await runAlarmNow(o);
    expect((await detail(o, delivery.id)).offers[0].status).toBe("PENDING");

    await moveZoneClock(o, 10_000 + 100);
    await runAlarmNow(o);
    const d = await detail(o, delivery.id);
    expect(d.offers[0]).toMatchObject({ id: offer.offerId, status: "EXPIRED" });
    expect(d.status).toBe("ready");
    expect((await offersOf(driver.client, driver.id, "EXPIRED")).map((x) => x.id)).toEqual([offer.offerId]);
    const expired = (await auditEvents(o, delivery.id)).filter((e) => e.eventType === "offer_expired");
    expect(expired).toHaveLength(1);
    expect(expired[0]).toMatchObject({ actorType: "system", details: { offerId: offer.offerId, driverId: driver.id } });
    await expectError(await driver.client.post(`/drivers/${driver.id}/offers/${offer.offerId}/accept`, {}), 409);
    expect(await availabilityOf(o, driver.id)).toBe("available");

    // Firing again changes nothing.
    await runAlarmNow(o);
    expect((await auditEvents(o, delivery.id)).filter((e) => e.eventType === "offer_expired")).toHaveLength(1);
  });
});

/** An auto delivery taken by `driver` (the only candidate nearby), answering the acceptance. */
async function assignedTo(driver: Driver, delivery: any): Promise<any> {
  const pending = (await offersOf(driver.client, driver.id, "PENDING")).find((x) => x.deliveryId === delivery.id);
  expect(pending, "the driver was offered the delivery").toBeDefined();
  return ok(driver.client.post(`/drivers/${driver.id}/offers/${pending.id}/accept`, {}));
}

describe("release before pickup", () => {
  it("only the assigned driver may release; the delivery is ready and re-matched without them", async () => {
    const o = await newOrg(QUIET);
    const first = await availableDriver(o, { location: { lat: 12.961, lon: 77.611 } });
    const delivery = await o.addDelivery({ pickup: { lat: 12.96, lon: 77.61 } });
    const accepted = await assignedTo(first, delivery);
    const second = await availableDriver(o, { location: { lat: 12.97, lon: 77.62 } });
    expect(await offersOf(second.client, second.id)).toEqual([]);

    const path = (d: Driver) => `/drivers/${d.id}/deliveries/${delivery.id}/release`;
    await expectError(await second.client.post(path(second), { reason: "not mine" }), 403);
    await expectError(await second.client.post(path(first), { reason: "not mine" }), 403);
    await expectValidationError(await first.client.post(path(first), {}), "body.reason");
    expect((await detail(o, delivery.id)).status).toBe("assigned");

    const released = await ok(first.client.post(path(first), { reason: "vehicle_breakdown" }));
    expect(released).toMatchObject({ id: delivery.id, status: "ready", assignedDriverId: null });
    expect(await availabilityOf(o, first.id)).toBe("available");

    // Matched again at once — to the other driver, never back to the one who released it.
    const d = await detail(o, delivery.id);
    const pending = d.offers.filter((x: any) => x.status === "PENDING");
    expect(pending.map((x: any) => x.driverId)).toEqual([second.id]);
    expect(await offersOf(first.client, first.id, "PENDING")).toEqual([]);
    expect(d.assignment).toMatchObject({ id: accepted.assignmentId, status: "RELEASED" });
    const types = (await auditEvents(o, delivery.id)).map((e) => e.eventType);
    expect(types).toContain("assignment_reassigned");
    expect(types.at(-1)).toBe("offer_created");

    // A released delivery cannot be released again.
    await expectError(await first.client.post(path(first), { reason: "again" }), 403);
  });

  it("after pickup a release is a 409 and nothing changes", async () => {
    const o = await newOrg(QUIET);
    const driver = await availableDriver(o);
    const delivery = await o.addDelivery();
    await assignedTo(driver, delivery);
    await ok(driver.client.post(`/drivers/${driver.id}/deliveries/${delivery.id}/status`, { status: "picked_up" }));
    await expectError(await driver.client.post(`/drivers/${driver.id}/deliveries/${delivery.id}/release`, { reason: "late" }), 409);
    const d = await detail(o, delivery.id);
    expect(d.status).toBe("picked_up");
    expect(d.assignment.status).toBe("ACTIVE");
    expect(await availabilityOf(o, driver.id)).toBe("busy");
  });
});

describe("ops reassign", () => {
  it("with a driverId: the delivery moves straight to that driver; the audit names the caller", async () => {
    const o = await newOrg(QUIET);
    const first = await availableDriver(o);
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const offer = await makeOffer(o, delivery.id, first.id);
    const accepted = await ok(first.client.post(`/drivers/${first.id}/offers/${offer.offerId}/accept`, {}));
    const second = await availableDriver(o);

    const ops = await client("ops", o.org);
    await expectError(await first.client.post(`/admin/deliveries/${delivery.id}/reassign`, { driverId: second.id }), 403);
    await expectValidationError(await ops.post(`/admin/deliveries/${delivery.id}/reassign`, { driverId: "x" }), "body.driverId");
    const busyTarget = await availableDriver(o);
    await ok(busyTarget.client.post(`/drivers/${busyTarget.id}/availability/take-break`, { durationMinutes: 5 }));
    await expectError(await ops.post(`/admin/deliveries/${delivery.id}/reassign`, { driverId: busyTarget.id }), 409);
    expect((await detail(o, delivery.id)).assignedDriverId).toBe(first.id);

    const moved = await ok(ops.post(`/admin/deliveries/${delivery.id}/reassign`, { driverId: second.id }));
    expect(moved).toMatchObject({ id: delivery.id, status: "assigned", assignedDriverId: second.id });
    expect(await availabilityOf(o, first.id)).toBe("available");
    expect(await availabilityOf(o, second.id)).toBe("busy");
    const d = await detail(o, delivery.id);
    expect(d.assignment).toMatchObject({ driverId: second.id, status: "ACTIVE", offerId: null });
    expect(d.assignment.id).not.toBe(accepted.assignmentId);

    const events = await auditEvents(o, delivery.id);
    const reassigned = events.filter((e) => e.eventType === "assignment_reassigned");
    expect(reassigned).toHaveLength(1);
    expect(reassigned[0]).toMatchObject({ actorType: "admin", actorId: ops.sub });
    const assigned = events.filter((e) => e.eventType === "driver_assigned");
    expect(assigned).toHaveLength(2);
    expect(assigned[1]).toMatchObject({ actorType: "admin", actorId: ops.sub, details: { driverId: second.id } });
    // The old driver can no longer act on it.
    await expectError(await first.client.post(`/drivers/${first.id}/deliveries/${delivery.id}/status`, { status: "picked_up" }), 403);
  });

  it("without a driverId: the delivery goes back to matching, without the driver who had it", async () => {
    const o = await newOrg(QUIET);
    const first = await availableDriver(o, { location: { lat: 12.961, lon: 77.611 } });
    const delivery = await o.addDelivery({ pickup: { lat: 12.96, lon: 77.61 } });
    await assignedTo(first, delivery);
    const second = await availableDriver(o, { location: { lat: 12.97, lon: 77.62 } });

    const moved = await ok(o.admin.post(`/admin/deliveries/${delivery.id}/reassign`, {}));
    expect(moved).toMatchObject({ id: delivery.id, status: "ready", assignedDriverId: null });
    expect(await availabilityOf(o, first.id)).toBe("available");
    const [next] = await offersOf(second.client, second.id, "PENDING");
    expect(next.deliveryId).toBe(delivery.id);
    expect(await offersOf(first.client, first.id, "PENDING")).toEqual([]);
    const reassigned = (await auditEvents(o, delivery.id)).filter((e) => e.eventType === "assignment_reassigned");
    expect(reassigned).toHaveLength(1);
    expect(reassigned[0]).toMatchObject({ actorType: "admin", actorId: o.admin.sub });

    // A delivery that has ended cannot be reassigned.
    await ok(second.client.post(`/drivers/${second.id}/offers/${next.id}/accept`, {}));
    await ok(o.service.post(`/deliveries/${delivery.id}/cancel`, { reason: "customer_cancelled" }));
    await expectError(await o.ops.post(`/admin/deliveries/${delivery.id}/reassign`, {}), 409);
    expect(await availabilityOf(o, second.id)).toBe("available");
  });
});

describe("driver status reports", () => {
  it("picked_up → in_transit → delivered frees the driver; the audit records each step", async () => {
    const o = await newOrg(QUIET);
    const driver = await availableDriver(o);
    const other = await availableDriver(o);
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const offer = await makeOffer(o, delivery.id, driver.id);
    const accepted = await ok(driver.client.post(`/drivers/${driver.id}/offers/${offer.offerId}/accept`, {}));
    const path = (d: Driver) => `/drivers/${d.id}/deliveries/${delivery.id}/status`;

    // Only the assigned driver; illegal jumps are 409.
    await expectError(await other.client.post(path(other), { status: "picked_up" }), 403);
    await expectError(await other.client.post(path(driver), { status: "picked_up" }), 403);
    await expectError(await driver.client.post(path(driver), { status: "delivered" }), 409);
    await expectValidationError(await driver.client.post(path(driver), { status: "assigned" }), "body.status");

    expect(await ok(driver.client.post(path(driver), { status: "picked_up" }))).toMatchObject({ status: "picked_up" });
    expect(await availabilityOf(o, driver.id)).toBe("busy");
    expect(await ok(driver.client.post(path(driver), { status: "in_transit" }))).toMatchObject({ status: "in_transit" });
    const done = await ok(driver.client.post(path(driver), { status: "delivered" }));
    expect(done).toMatchObject({ id: delivery.id, status: "delivered" });

    expect(await availabilityOf(o, driver.id)).toBe("available");
    const d = await detail(o, delivery.id);
    expect(d.assignment).toMatchObject({ id: accepted.assignmentId, status: "COMPLETED" });
    await expectError(await driver.client.post(path(driver), { status: "failed" }), 409);
    await expectError(await driver.client.post(path(driver), { status: "delivered" }), 409);

    const events = await auditEvents(o, delivery.id);
    expect(events.map((e) => e.eventType)).toEqual([
      "created",
      "offer_created",
      "offer_accepted",
      "driver_assigned",
      "pickup_completed",
      "delivery_started",
      "delivery_completed",
    ]);
    expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const e of events.slice(4)) expect(e).toMatchObject({ actorType: "driver", actorId: driver.id });
    // Free again: the driver can take the next job.
    const next = await o.addDelivery({ dispatch: "manual" });
    await makeOffer(o, next.id, driver.id);
  });

  it("failed ends the assignment and frees the driver too", async () => {
    const o = await newOrg(QUIET);
    const driver = await availableDriver(o);
    const delivery = await o.addDelivery({ dispatch: "manual" });
    const offer = await makeOffer(o, delivery.id, driver.id);
    await ok(driver.client.post(`/drivers/${driver.id}/offers/${offer.offerId}/accept`, {}));
    await ok(driver.client.post(`/drivers/${driver.id}/deliveries/${delivery.id}/status`, { status: "picked_up" }));
    const failed = await ok(
      driver.client.post(`/drivers/${driver.id}/deliveries/${delivery.id}/status`, { status: "failed", reason: "customer_unreachable" }),
    );
    expect(failed).toMatchObject({ status: "failed", statusReason: "customer_unreachable" });
    expect(await availabilityOf(o, driver.id)).toBe("available");
    expect((await detail(o, delivery.id)).assignment.status).toBe("FAILED");
    expect((await auditEvents(o, delivery.id)).at(-1)).toMatchObject({ eventType: "delivery_failed" });
  });
});
