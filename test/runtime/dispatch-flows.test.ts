/**
 * Dispatch flows end to end over HTTP through the real Worker and zone object: the two E2E
 * journeys of seed 000 ("complete offer lifecycle", "rejection and next candidate"), automatic
 * matching (ranking, sequential and broadcast rounds, expiry to the next candidate), and the
 * unassigned record a round that finds nobody leaves in D1 — with each failure reason of docs/api.md
 * "Escalation and audit", its attemptCount on later rounds, and REASSIGNED once someone takes it.
 *
 * Unassigned records reach D1 through the zone's outbox; tests flush it (`flushOutbox()`) before
 * reading D1. Expiry moves the zone's `clock` seam and runs the alarm; zones push escalation a
 * day out and clock moves stay under offlineAfterSeconds, so a move adds no events of its own.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Client, client, newOrg } from "../helpers/api";
import { isoMs, uuidPattern } from "../helpers/expect-error";
import { moveZoneClock, ok, runAlarmNow, sleep, zoneObject } from "../helpers/zone-object";

type Org = Awaited<ReturnType<typeof newOrg>>;
type Driver = Awaited<ReturnType<Org["addDriver"]>>;

const QUIET = { escalationSeconds: [86_400, 172_800, 259_200] };
/** Pickup used by most tests; drivers are placed north of it at known distances. */
const PICKUP = { lat: 12.96, lon: 77.61 };
/** A point `km` north of PICKUP (1° of latitude ≈ 111.195 km on the mean sphere). */
const north = (km: number) => ({ lat: PICKUP.lat + km / 111.195, lon: PICKUP.lon });

async function availableDriver(o: Org, location: { lat: number; lon: number }, extra: Record<string, unknown> = {}): Promise<Driver> {
  const d = await o.addDriver({ location, ...extra });
  await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
  // Distinct idle-since instants, so ties further down the ranking are decided the same way.
  await sleep(3);
  return d;
}

const detail = (o: Org, id: string) => ok(o.ops.get(`/admin/deliveries/${id}`));
const auditEvents = async (o: Org, id: string): Promise<any[]> => (await ok(o.ops.get(`/admin/deliveries/${id}/audit`))).events;
const availabilityOf = async (o: Org, id: string) => (await ok(o.admin.get(`/drivers/${id}`))).availability;
const offersOf = async (reader: Client, driverId: string, status?: string): Promise<any[]> =>
  (await ok(reader.get(`/drivers/${driverId}/offers${status ? `?status=${status}` : ""}`))).offers;
const pendingOf = (d: Driver) => offersOf(d.client, d.id, "PENDING");

/** The driver's one pending offer (failing the test when there is not exactly one). */
async function theOffer(d: Driver): Promise<any> {
  const pending = await pendingOf(d);
  expect(pending, `pending offers of driver ${d.id}`).toHaveLength(1);
  return pending[0];
}

const reject = (d: Driver, offerId: string, reason = "other") =>
  ok(d.client.post(`/drivers/${d.id}/offers/${offerId}/reject`, { reason }));
const accept = (d: Driver, offerId: string) => ok(d.client.post(`/drivers/${d.id}/offers/${offerId}/accept`, {}));

interface UnassignedRow {
  id: string;
  org_id: string;
  zone_id: string;
  delivery_id: string;
  seller_order_id: string;
  failure_reason: string;
  first_attempt_at: string;
  last_attempt_at: string;
  attempt_count: number;
  escalation_level: number;
  escalation_status: string;
}

/** The delivery's unassigned record as D1 holds it, after the zone has flushed its outbox. */
async function unassignedRow(o: Org, deliveryId: string): Promise<UnassignedRow | null> {
  expect(await zoneObject(o).flushOutbox()).toEqual({ remaining: 0 });
  return env.DB.prepare("SELECT * FROM unassigned_orders WHERE delivery_id = ?").bind(deliveryId).first<UnassignedRow>();
}

/** Asserts the delivery waits with nobody on it and D1 has its record with `reason`. */
async function expectUnassigned(o: Org, delivery: any, reason: string): Promise<UnassignedRow> {
  const d = await detail(o, delivery.id);
  expect(d.status).toBe("ready");
  expect(d.assignedDriverId).toBeNull();
  expect(d.assignment).toBeNull();
  expect(d.offers.filter((x: any) => x.status === "PENDING" || x.status === "ACCEPTED")).toEqual([]);
  const row = await unassignedRow(o, delivery.id);
  expect(row, "unassigned record in D1").not.toBeNull();
  expect(row).toMatchObject({
    org_id: o.org,
    zone_id: o.zone.id,
    delivery_id: delivery.id,
    seller_order_id: delivery.sellerOrderId,
    failure_reason: reason,
    escalation_level: 0,
    escalation_status: "PENDING",
  });
  expect(row!.id).toMatch(uuidPattern);
  expect(row!.first_attempt_at).toMatch(isoMs);
  return row!;
}

describe("seed 000 E2E: complete driver assignment flow", () => {
  it("happy path: offer → accept → driver busy, offer ACCEPTED, assignment ACTIVE, audit trail", async () => {
    const o = await newOrg(QUIET);
    // 1. Setup: an available driver and a ready delivery.
    const driver = await availableDriver(o, { lat: 12.9, lon: 77.6 });
    const delivery = await o.addDelivery({
      pickup: { lat: 12.91, lon: 77.61 },
      storeName: "Test Store",
      sellerId: "seller-123",
      dispatch: "manual",
    });
    expect(delivery.status).toBe("ready");

    // 2. Create the offer.
    const created = await ok(o.ops.post(`/deliveries/${delivery.id}/offers`, { driverId: driver.id }), 201);
    const offerId = created.offerId;
    expect(created.success).toBe(true);
    expect(created.payload).toBeDefined();
    expect(created.payload.estimatedPickupTimeMin).toBeGreaterThan(0);
    expect(created.payload.pickupStoreName).toBe("Test Store");

    // 3. Accept it.
    const accepted = await ok(driver.client.post(`/drivers/${driver.id}/offers/${offerId}/accept`, { acceptedAt: new Date().toISOString() }));
    expect(accepted.success).toBe(true);
    expect(accepted.assignmentId).toMatch(uuidPattern);
    expect(typeof accepted.responseTimeMs).toBe("number");

    // 4. State changes.
    expect(await availabilityOf(o, driver.id)).toBe("busy");
    const d = await detail(o, delivery.id);
    const offer = d.offers.find((x: any) => x.id === offerId);
    expect(offer.status).toBe("ACCEPTED");
    expect(offer.acceptedAt).toMatch(isoMs);
    expect(d.assignment).toMatchObject({ id: accepted.assignmentId, driverId: driver.id, deliveryId: delivery.id, status: "ACTIVE" });
    expect(d.status).toBe("assigned");

    // 5. The busy driver is out of matching: a new delivery nearby is not offered to them.
    const next = await o.addDelivery({ pickup: { lat: 12.91, lon: 77.61 } });
    expect(await pendingOf(driver)).toEqual([]);
    await expectUnassigned(o, next, "all_drivers_busy");

    // 6. Audit trail.
    const events = await auditEvents(o, delivery.id);
    expect(events.length).toBeGreaterThan(1);
    const offerCreated = events.find((e) => e.eventType === "offer_created");
    expect(offerCreated.details.offerId).toBe(offerId);
    const offerAccepted = events.find((e) => e.eventType === "offer_accepted");
    expect(offerAccepted.details.assignmentId).toBe(accepted.assignmentId);
  });

  it("alternative path: a rejection (too_far) offers the next candidate at once", async () => {
    const o = await newOrg(QUIET);
    // 1. Two drivers about equally far from the pickup; driver1 has waited longer.
    const driver1 = await availableDriver(o, { lat: 12.9, lon: 77.6 });
    const driver2 = await availableDriver(o, { lat: 12.92, lon: 77.62 });
    const delivery = await o.addDelivery({ pickup: { lat: 12.91, lon: 77.61 } });

    // 2. Sequential automatic dispatch offers it to driver1 only.
    const offer = await theOffer(driver1);
    expect(offer.deliveryId).toBe(delivery.id);
    expect(await pendingOf(driver2)).toEqual([]);

    // 3. Reject.
    const rejected = await reject(driver1, offer.id, "too_far");
    expect(rejected.success).toBe(true);
    expect(rejected.reason).toBe("too_far");
    expect(rejected.nextOfferId).toMatch(uuidPattern);

    // 4. The next offer is driver2's, pending.
    const [next] = await pendingOf(driver2);
    expect(next).toMatchObject({ id: rejected.nextOfferId, deliveryId: delivery.id, status: "PENDING" });
    expect(await availabilityOf(o, driver1.id)).toBe("available");
    const d = await detail(o, delivery.id);
    const updatedOffer = d.offers.find((x: any) => x.id === offer.id);
    expect(updatedOffer).toMatchObject({ status: "REJECTED", rejectionReason: "too_far" });
    expect(updatedOffer.rejectedAt).toMatch(isoMs);
    const events = await auditEvents(o, delivery.id);
    const rejectedLog = events.find((e) => e.eventType === "offer_rejected");
    expect(rejectedLog.details.reason).toBe("too_far");
    expect(events.filter((e) => e.eventType === "offer_created").map((e) => e.details.driverId)).toEqual([driver1.id, driver2.id]);
  });
});

describe("automatic matching: who is offered first", () => {
  it("sequential mode: one offer at a time, nearest first, whatever the idle time", async () => {
    const o = await newOrg(QUIET);
    // Resumed far to near: idle time alone would rank them the other way round.
    const far = await availableDriver(o, north(3.2));
    const mid = await availableDriver(o, north(1.6));
    const near = await availableDriver(o, north(0.2));
    const delivery = await o.addDelivery({ pickup: PICKUP });

    const order: string[] = [];
    for (const expected of [near, mid, far]) {
      const pending = (await detail(o, delivery.id)).offers.filter((x: any) => x.status === "PENDING");
      expect(pending).toHaveLength(1);
      expect(pending[0].driverId).toBe(expected.id);
      expect(pending[0].mode).toBe("auto");
      order.push(pending[0].driverId);
      const rejection = await reject(expected, pending[0].id);
      if (expected !== far) expect(rejection.nextOfferId).toBeDefined();
      else expect(rejection.nextOfferId).toBeUndefined();
    }
    expect(order).toEqual([near.id, mid.id, far.id]);
    // Everyone said no: the delivery waits, recorded as unassigned.
    await expectUnassigned(o, delivery, "no_available_drivers");
  });

  it("at an equal distance band a PREFERRED driver beats an AVAILABLE one; UNAVAILABLE is never offered", async () => {
    const o = await newOrg(QUIET);
    const unwilling = await availableDriver(o, north(0.1));
    const plain = await availableDriver(o, north(1.05));
    const keen = await availableDriver(o, north(1.4));
    await ok(unwilling.client.put(`/drivers/${unwilling.id}/zone-preferences`, { preferences: [{ zoneId: o.zone.id, preference: "UNAVAILABLE" }] }));
    await ok(keen.client.put(`/drivers/${keen.id}/zone-preferences`, { preferences: [{ zoneId: o.zone.id, preference: "PREFERRED" }] }));

    const delivery = await o.addDelivery({ pickup: PICKUP });
    // keen is farther and idle for less time than plain, but in the same 500 m band and PREFERRED.
    const first = await theOffer(keen);
    expect(first.deliveryId).toBe(delivery.id);
    expect(await pendingOf(plain)).toEqual([]);
    expect(await pendingOf(unwilling)).toEqual([]);
    await reject(keen, first.id);
    expect((await theOffer(plain)).deliveryId).toBe(delivery.id);
    await reject(plain, (await theOffer(plain)).id);
    // Nobody else: the nearest driver does not want this zone.
    expect(await pendingOf(unwilling)).toEqual([]);
    await expectUnassigned(o, delivery, "no_available_drivers");
  });

  it("an offer that runs out goes to the next candidate when the alarm fires", async () => {
    const o = await newOrg({ ...QUIET, offerTimeoutSeconds: 10 });
    const near = await availableDriver(o, north(0.3));
    const far = await availableDriver(o, north(2));
    const delivery = await o.addDelivery({ pickup: PICKUP });
    const first = await theOffer(near);

    await moveZoneClock(o, 10_000 + 100);
    await runAlarmNow(o);
    expect(await pendingOf(near)).toEqual([]);
    const second = await theOffer(far);
    expect(second.deliveryId).toBe(delivery.id);
    // The new offer gets a full timeout from the zone's (moved) now.
    expect(Date.parse(second.expiresAt) - Date.parse(second.createdAt)).toBe(10_000);
    expect(Date.parse(second.createdAt)).toBeGreaterThanOrEqual(Date.parse(first.expiresAt));

    const d = await detail(o, delivery.id);
    expect(d.offers.map((x: any) => [x.driverId, x.status])).toEqual([
      [near.id, "EXPIRED"],
      [far.id, "PENDING"],
    ]);
    const types = (await auditEvents(o, delivery.id)).map((e) => e.eventType);
    const expiredAt = types.indexOf("offer_expired");
    expect(expiredAt).toBeGreaterThan(0);
    expect(types.slice(expiredAt)).toEqual(["offer_expired", "driver_candidates_found", "offer_created"]);
    expect(await availabilityOf(o, near.id)).toBe("available");

    // The second one runs out too: nobody is left who has not let it lapse.
    await moveZoneClock(o, 2 * (10_000 + 100));
    await runAlarmNow(o);
    expect(await pendingOf(far)).toEqual([]);
    await expectUnassigned(o, delivery, "no_available_drivers");
  });

  it("broadcast mode offers the best broadcastSize at once; the first accept wins, the rest are withdrawn", async () => {
    const o = await newOrg({ ...QUIET, dispatchMode: "broadcast", broadcastSize: 3 });
    const drivers = [];
    for (const km of [4.5, 0.2, 3.5, 1.2, 2.4]) drivers.push(await availableDriver(o, north(km)));
    const [d45, d02, d35, d12, d24] = drivers as [Driver, Driver, Driver, Driver, Driver];
    const delivery = await o.addDelivery({ pickup: PICKUP });

    let pending = (await detail(o, delivery.id)).offers.filter((x: any) => x.status === "PENDING");
    expect(pending.map((x: any) => x.driverId).sort()).toEqual([d02.id, d12.id, d24.id].sort());
    expect(await pendingOf(d35)).toEqual([]);

    // A rejection refills the round to broadcastSize with the next best.
    const rejected = await reject(d12, (await theOffer(d12)).id);
    expect((await theOffer(d35)).id).toBe(rejected.nextOfferId);
    pending = (await detail(o, delivery.id)).offers.filter((x: any) => x.status === "PENDING");
    expect(pending.map((x: any) => x.driverId).sort()).toEqual([d02.id, d24.id, d35.id].sort());
    expect(await pendingOf(d45)).toEqual([]);

    const accepted = await accept(d24, (await theOffer(d24)).id);
    const d = await detail(o, delivery.id);
    expect(d.assignment).toMatchObject({ id: accepted.assignmentId, driverId: d24.id, status: "ACTIVE" });
    const byDriver = Object.fromEntries(d.offers.map((x: any) => [x.driverId, x.status]));
    expect(byDriver).toEqual({ [d02.id]: "CANCELLED", [d12.id]: "REJECTED", [d24.id]: "ACCEPTED", [d35.id]: "CANCELLED" });
    for (const x of d.offers.filter((x: any) => x.status === "CANCELLED")) expect(x.cancelReason).toBe("delivery_assigned");
    for (const other of [d02, d12, d35, d45]) expect(await availabilityOf(o, other.id)).toBe("available");
    const cancelled = (await auditEvents(o, delivery.id)).filter((e) => e.eventType === "offer_cancelled");
    expect(cancelled).toHaveLength(2);
  });

  it("broadcast mode with fewer candidates than broadcastSize offers everyone there is", async () => {
    const o = await newOrg({ ...QUIET, dispatchMode: "broadcast", broadcastSize: 5 });
    const a = await availableDriver(o, north(0.5));
    const b = await availableDriver(o, north(2.5));
    const outOfRange = await availableDriver(o, north(7));
    const delivery = await o.addDelivery({ pickup: PICKUP });
    const d = await detail(o, delivery.id);
    expect(d.offers.map((x: any) => x.driverId).sort()).toEqual([a.id, b.id].sort());
    expect(d.offers.every((x: any) => x.status === "PENDING")).toBe(true);
    expect(await pendingOf(outOfRange)).toEqual([]);
    const found = (await auditEvents(o, delivery.id)).filter((e) => e.eventType === "driver_candidates_found");
    expect(found).toHaveLength(1);
    expect(found[0].details.count).toBe(2);
  });
});

describe("a round that finds nobody: the unassigned record", () => {
  it("zone_empty: nobody working in the zone (offline drivers do not count)", async () => {
    const o = await newOrg(QUIET);
    await o.addDriver({ location: north(0.2) }); // offline
    const delivery = await o.addDelivery({ pickup: PICKUP });
    const d = await detail(o, delivery.id);
    expect(d.offers).toEqual([]);
    const row = await expectUnassigned(o, delivery, "zone_empty");
    expect(row.attempt_count).toBe(1);
    expect(row.last_attempt_at).toBe(row.first_attempt_at);
    const found = (await auditEvents(o, delivery.id)).find((e) => e.eventType === "driver_candidates_found");
    expect(found.details).toMatchObject({ count: 0, failureReason: "zone_empty" });
  });

  it("all_drivers_busy: everyone working is on a job", async () => {
    const o = await newOrg(QUIET);
    const driver = await availableDriver(o, north(0.2));
    await o.addDelivery({ pickup: PICKUP });
    await accept(driver, (await theOffer(driver)).id);
    const second = await o.addDelivery({ pickup: PICKUP });
    await expectUnassigned(o, second, "all_drivers_busy");
  });

  it("distance_exceeded: free drivers, all beyond the search radius", async () => {
    const o = await newOrg({ ...QUIET, searchRadiusKm: 5 });
    const far = await availableDriver(o, north(8));
    const delivery = await o.addDelivery({ pickup: PICKUP });
    expect(await pendingOf(far)).toEqual([]);
    await expectUnassigned(o, delivery, "distance_exceeded");
  });

  it("no_available_drivers: free drivers nearby, none able to take this delivery", async () => {
    const o = await newOrg(QUIET);
    const plain = await availableDriver(o, north(0.3), { capabilities: ["insulated_bag"] });
    const delivery = await o.addDelivery({ pickup: PICKUP, requirements: { capabilities: ["cold_chain"] } });
    expect(await pendingOf(plain)).toEqual([]);
    await expectUnassigned(o, delivery, "no_available_drivers");
    // A capable driver is offered it as soon as they become available.
    const capable = await availableDriver(o, north(1), { capabilities: ["cold_chain", "insulated_bag"] });
    expect((await theOffer(capable)).deliveryId).toBe(delivery.id);
  });

  it("offers_exhausted: after maxOfferAttempts offers nobody else is asked", async () => {
    const o = await newOrg({ ...QUIET, maxOfferAttempts: 2 });
    const [a, b, c] = [await availableDriver(o, north(0.2)), await availableDriver(o, north(1.2)), await availableDriver(o, north(2.2))];
    const delivery = await o.addDelivery({ pickup: PICKUP });
    const first = await reject(a, (await theOffer(a)).id, "no_time");
    expect(first.nextOfferId).toBeDefined();
    const second = await reject(b, (await theOffer(b)).id, "no_time");
    expect(second.nextOfferId).toBeUndefined();
    expect(await pendingOf(c)).toEqual([]);
    expect((await detail(o, delivery.id)).offers).toHaveLength(2);
    await expectUnassigned(o, delivery, "offers_exhausted");
  });

  it("later failed rounds update attemptCount and lastAttemptAt of the same record", async () => {
    const o = await newOrg(QUIET);
    const a = await availableDriver(o, north(0.2));
    const delivery = await o.addDelivery({ pickup: PICKUP });
    await reject(a, (await theOffer(a)).id);
    const firstRow = await expectUnassigned(o, delivery, "no_available_drivers");
    expect(firstRow.attempt_count).toBe(1);

    // Someone new comes, is offered it, and says no too: a second failed round.
    await sleep(5);
    const b = await availableDriver(o, north(1));
    await reject(b, (await theOffer(b)).id);
    const secondRow = await expectUnassigned(o, delivery, "no_available_drivers");
    expect(secondRow.id).toBe(firstRow.id);
    expect(secondRow.attempt_count).toBe(2);
    expect(secondRow.first_attempt_at).toBe(firstRow.first_attempt_at);
    expect(Date.parse(secondRow.last_attempt_at)).toBeGreaterThan(Date.parse(firstRow.last_attempt_at));
    const count = await env.DB.prepare("SELECT count(*) AS n FROM unassigned_orders WHERE delivery_id = ?").bind(delivery.id).first<{ n: number }>();
    expect(count?.n).toBe(1);
  });

  it("a waiting delivery is offered at once to a driver who resumes; after the accept the record is REASSIGNED", async () => {
    const o = await newOrg(QUIET);
    const driver = await o.addDriver({ location: north(0.5) });
    const delivery = await o.addDelivery({ pickup: PICKUP });
    const waiting = await expectUnassigned(o, delivery, "zone_empty");

    await ok(driver.client.post(`/drivers/${driver.id}/availability/resume`));
    const offer = await theOffer(driver);
    expect(offer.deliveryId).toBe(delivery.id);
    const accepted = await accept(driver, offer.id);

    const row = await unassignedRow(o, delivery.id);
    expect(row).toMatchObject({ id: waiting.id, escalation_status: "REASSIGNED", failure_reason: "zone_empty", attempt_count: 1 });
    const d = await detail(o, delivery.id);
    expect(d.assignment).toMatchObject({ id: accepted.assignmentId, driverId: driver.id, status: "ACTIVE" });
  });

  it("a driver coming back from a break, or unpaused, is new supply too", async () => {
    const o = await newOrg(QUIET);
    const resting = await availableDriver(o, north(0.4));
    await ok(resting.client.post(`/drivers/${resting.id}/availability/take-break`, { durationMinutes: 15 }));
    const paused = await availableDriver(o, north(0.8));
    await ok(o.ops.post(`/admin/drivers/${paused.id}/pause`));
    const [d1, d2] = [await o.addDelivery({ pickup: PICKUP, priority: 90 }), await o.addDelivery({ pickup: PICKUP, priority: 10 })];
    await expectUnassigned(o, d1, "zone_empty");
    await expectUnassigned(o, d2, "zone_empty");

    // The higher-priority delivery is offered first.
    await ok(o.ops.post(`/admin/drivers/${paused.id}/unpause`));
    expect((await theOffer(paused)).deliveryId).toBe(d1.id);
    await ok(resting.client.post(`/drivers/${resting.id}/availability/resume`));
    expect((await theOffer(resting)).deliveryId).toBe(d2.id);
  });
});

describe("ops callers", () => {
  it("an ops manual offer may go to any free driver of a delivery in auto dispatch, next to the automatic one", async () => {
    const o = await newOrg(QUIET);
    const near = await availableDriver(o, north(0.2));
    const far = await availableDriver(o, north(4));
    const delivery = await o.addDelivery({ pickup: PICKUP });
    expect((await theOffer(near)).deliveryId).toBe(delivery.id);
    const ops = await client("ops", o.org);
    const manual = await ok(ops.post(`/deliveries/${delivery.id}/offers`, { driverId: far.id }), 201);
    expect((await theOffer(far)).id).toBe(manual.offerId);
    await accept(far, manual.offerId);
    expect(await pendingOf(near)).toEqual([]);
    expect((await detail(o, delivery.id)).assignedDriverId).toBe(far.id);
  });
});

describe("unassigned record lifecycle edge cases", () => {
  it("is not written as offers_exhausted while offers of the last round are still pending", async () => {
    const o = await newOrg({ ...QUIET, dispatchMode: "broadcast", broadcastSize: 3, maxOfferAttempts: 3 });
    const drivers = [];
    for (const km of [0.5, 1, 1.5]) drivers.push(await availableDriver(o, north(km)));
    const delivery = await o.addDelivery({ pickup: PICKUP });
    const first = await theOffer(drivers[0]!);
    await reject(drivers[0]!, first.id);
    expect(await unassignedRow(o, delivery.id)).toBeNull();
    // The last two decline too: now nobody is left and the limit is reached.
    await reject(drivers[1]!, (await theOffer(drivers[1]!)).id);
    await reject(drivers[2]!, (await theOffer(drivers[2]!)).id);
    expect(await unassignedRow(o, delivery.id)).toMatchObject({ failure_reason: "offers_exhausted", attempt_count: 1 });
  });

  it("opens again (PENDING) when an assignment falls through and nobody else is free", async () => {
    const o = await newOrg(QUIET);
    const delivery = await o.addDelivery({ pickup: PICKUP });
    expect(await unassignedRow(o, delivery.id)).toMatchObject({ failure_reason: "zone_empty", escalation_status: "PENDING" });
    const d = await availableDriver(o, north(1));
    await accept(d, (await theOffer(d)).id);
    expect(await unassignedRow(o, delivery.id)).toMatchObject({ escalation_status: "REASSIGNED" });
    await ok(d.client.post(`/drivers/${d.id}/deliveries/${delivery.id}/release`, { reason: "flat tyre" }));
    expect(await unassignedRow(o, delivery.id)).toMatchObject({
      escalation_status: "PENDING",
      failure_reason: "no_available_drivers",
      attempt_count: 2,
    });
  });
});
