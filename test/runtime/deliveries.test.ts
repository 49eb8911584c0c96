import { describe, expect, it } from "vitest";
import { BENGALURU, client, json, newOrg } from "../helpers/api";
import { squarePolygon } from "../helpers/geometry";
import { expectError, expectValidationError, isoMs, uuidPattern } from "../helpers/expect-error";

const ref = (prefix = "ORD") => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

const order = (overrides: Record<string, unknown> = {}) => ({
  sellerOrderId: ref(),
  storeName: "Downtown Market",
  pickup: { lat: 12.96, lon: 77.61 },
  dropoff: { lat: 12.98, lon: 77.63 },
  ...overrides,
});

/** Pending deliveries the zone's live counts report. */
async function pendingIn(ops: { get(path: string): Promise<Response> }, zoneId: string): Promise<number> {
  return (await json(await ops.get(`/admin/zones/${zoneId}`))).health.pendingDeliveries;
}

describe("POST /v2/deliveries", () => {
  it("creates a ready delivery in the zone holding the pickup, with a tracking link", async () => {
    const { service, zone } = await newOrg();
    const body = order({
      sellerId: "seller:42",
      priority: 80,
      estimatedPrepTimeMinutes: 12,
      customer: { name: "Meera", phone: "+919812345678" },
      requirements: { vehicleTypes: ["scooter", "bike"], capabilities: ["cold_chain"] },
    });
    const res = await service.post("/deliveries", body);
    expect(res.status).toBe(201);
    const delivery = await json(res);
    expect(delivery).toMatchObject({
      id: expect.stringMatching(uuidPattern),
      zoneId: zone.id,
      orderId: body.sellerOrderId,
      sellerOrderId: body.sellerOrderId,
      sellerId: "seller:42",
      storeName: "Downtown Market",
      pickup: body.pickup,
      dropoff: body.dropoff,
      priority: 80,
      estimatedPrepTimeMinutes: 12,
      customer: { name: "Meera", phone: "+919812345678" },
      requirements: { vehicleTypes: ["scooter", "bike"], capabilities: ["cold_chain"] },
      dispatch: "auto",
      status: "ready",
      assignedDriverId: null,
      createdAt: expect.stringMatching(isoMs),
    });
    expect(delivery.trackingToken).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(delivery.trackingUrl).toBe(`https://dispatch.test/track/${delivery.orderId}?token=${delivery.trackingToken}`);
    expect(delivery).not.toHaveProperty("orgId");
    expect(delivery).not.toHaveProperty("auditVersion");
  });

  it("applies the documented defaults and keeps an explicit orderId apart from sellerOrderId", async () => {
    const { service } = await newOrg();
    const defaults = await json(await service.post("/deliveries", order()));
    expect(defaults).toMatchObject({ priority: 50, estimatedPrepTimeMinutes: 5, dispatch: "auto", sellerId: null, customer: null });

    const body = order({ orderId: "MKT.2026:0001", dispatch: "manual" });
    const res = await service.post("/deliveries", body);
    expect(res.status).toBe(201);
    const explicit = await json(res);
    expect(explicit.orderId).toBe("MKT.2026:0001");
    expect(explicit.sellerOrderId).toBe(body.sellerOrderId);
    expect(explicit.dispatch).toBe("manual");
    expect(explicit.trackingUrl).toBe(`https://dispatch.test/track/MKT.2026:0001?token=${explicit.trackingToken}`);
    // Two deliveries, two different tracking tokens.
    expect(explicit.trackingToken).not.toBe(defaults.trackingToken);
  });

  it("accepts ops and admin callers too; the delivery is readable at once", async () => {
    const { ops, admin } = await newOrg();
    for (const caller of [ops, admin]) {
      const res = await caller.post("/deliveries", order());
      expect(res.status).toBe(201);
      const created = await json(res);
      const read = await ops.get(`/admin/deliveries/${created.id}`);
      expect(read.status).toBe(200);
      expect(await json(read)).toEqual({ ...created, offers: [], assignment: null });
    }
  });

  it("answers 422 for a pickup inside no zone, and for a pickup outside the requested zone", async () => {
    const { service, ops, zone } = await newOrg();
    const outside = await expectError(await service.post("/deliveries", order({ pickup: { lat: 28.61, lon: 77.2 } })), 422);
    expect(outside.error).toBe("Unprocessable Entity");
    await expectError(await service.post("/deliveries", order({ zoneId: zone.id, pickup: { lat: 28.61, lon: 77.2 } })), 422);
    expect(await pendingIn(ops, zone.id)).toBe(0);
  });

  it("takes an explicit zoneId holding the pickup, and 404s an unknown or foreign one", async () => {
    const { service, zone } = await newOrg();
    const other = await newOrg();
    const res = await service.post("/deliveries", order({ zoneId: zone.id }));
    expect(res.status).toBe(201);
    expect((await json(res)).zoneId).toBe(zone.id);
    await expectError(await service.post("/deliveries", order({ zoneId: crypto.randomUUID() })), 404);
    await expectError(await service.post("/deliveries", order({ zoneId: other.zone.id })), 404);
    expect(await pendingIn(other.ops, other.zone.id)).toBe(0);
  });

  it("keeps orderId unique per org: 409 on reuse, allowed in another org", async () => {
    const a = await newOrg();
    const b = await newOrg();
    const sellerOrderId = ref("DUP");
    expect((await a.service.post("/deliveries", order({ sellerOrderId }))).status).toBe(201);
    const again = await expectError(await a.service.post("/deliveries", order({ sellerOrderId })), 409);
    expect(again.error).toBe("Conflict");
    // An explicit orderId equal to the used one is the same conflict.
    await expectError(await a.service.post("/deliveries", order({ orderId: sellerOrderId })), 409);
    // A distinct orderId for the same sellerOrderId is a different order.
    expect((await a.service.post("/deliveries", order({ sellerOrderId, orderId: `${sellerOrderId}-2` }))).status).toBe(201);
    expect(await pendingIn(a.ops, a.zone.id)).toBe(2);

    const elsewhere = await b.service.post("/deliveries", order({ sellerOrderId }));
    expect(elsewhere.status).toBe(201);
    expect((await json(elsewhere)).orderId).toBe(sellerOrderId);
  });

  it("lets the order of a refused create be used again (nothing half-registered)", async () => {
    const { service, zone } = await newOrg();
    const sellerOrderId = ref("RETRY");
    await expectError(await service.post("/deliveries", order({ sellerOrderId, zoneId: zone.id, pickup: { lat: 28.6, lon: 77.2 } })), 422);
    expect((await service.post("/deliveries", order({ sellerOrderId }))).status).toBe(201);
  });

  it("puts a pickup where zones overlap in the higher-priority zone, even if it is larger", async () => {
    const { admin, service, zone } = await newOrg();
    // The helper zone (priority 3) is the 0.1° square around BENGALURU; a larger one around
    // it gets priority 1 and must win over the smaller, older one.
    const wide = await admin.post("/admin/zones", { name: "Metro", polygon: squarePolygon(BENGALURU, 0.3), priorityLevel: 1 });
    expect(wide.status).toBe(201);
    const metro = await json(wide);
    const inBoth = await json(await service.post("/deliveries", order({ pickup: { lat: 12.96, lon: 77.61 } })));
    expect(inBoth.zoneId).toBe(metro.id);
    // Outside the small zone, inside the big one.
    const onlyMetro = await json(await service.post("/deliveries", order({ pickup: { lat: 13.1, lon: 77.8 } })));
    expect(onlyMetro.zoneId).toBe(metro.id);
    // Naming the lower-priority zone explicitly still puts it there.
    const pinned = await json(await service.post("/deliveries", order({ zoneId: zone.id })));
    expect(pinned.zoneId).toBe(zone.id);
  });

  it("prefers the smaller zone when overlapping zones share a priority", async () => {
    const { admin, service, zone } = await newOrg();
    const wide = await json(await admin.post("/admin/zones", { name: "Metro", polygon: squarePolygon(BENGALURU, 0.3) }));
    expect(wide.priorityLevel).toBe(zone.priorityLevel);
    expect((await json(await service.post("/deliveries", order()))).zoneId).toBe(zone.id);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ["sellerOrderId with a space", { sellerOrderId: "ORD 1" }, "body.sellerOrderId"],
    ["sellerOrderId with a slash", { sellerOrderId: "ORD/1" }, "body.sellerOrderId"],
    ["sellerOrderId with a quote", { sellerOrderId: "ORD'1" }, "body.sellerOrderId"],
    ["orderId of dots only (a path segment that collapses)", { orderId: ".." }, "body.orderId"],
    ["an empty sellerOrderId", { sellerOrderId: "" }, "body.sellerOrderId"],
    ["a 65-character sellerOrderId", { sellerOrderId: "A".repeat(65) }, "body.sellerOrderId"],
    ["an orderId with unicode", { orderId: "ORDÉ1" }, "body.orderId"],
    ["priority 0", { priority: 0 }, "body.priority"],
    ["priority 101", { priority: 101 }, "body.priority"],
    ["priority 1.5", { priority: 1.5 }, "body.priority"],
    ["a pickup lat of 91", { pickup: { lat: 91, lon: 77.6 } }, "body.pickup.lat"],
    ["a dropoff without lon", { dropoff: { lat: 12.9 } }, "body.dropoff.lon"],
    ["a non-UUID zoneId", { zoneId: "central" }, "body.zoneId"],
    ["an unknown dispatch mode", { dispatch: "fast" }, "body.dispatch"],
    ["an unknown vehicle type", { requirements: { vehicleTypes: ["truck"] } }, "body.requirements.vehicleTypes.0"],
    ["a bad customer phone", { customer: { name: "A", phone: "98765" } }, "body.customer.phone"],
    ["an unknown field", { tip: 20 }, "body.tip"],
    ["an unknown nested field", { pickup: { lat: 12.96, lon: 77.61, alt: 3 } }, "body.pickup.alt"],
  ];

  it.each(invalid)("rejects %s with 400 and creates nothing", async (_, override, detailPath) => {
    const { service, ops, zone } = await newOrg();
    await expectValidationError(await service.post("/deliveries", order(override)), detailPath);
    expect(await pendingIn(ops, zone.id)).toBe(0);
  });

  it("refuses drivers with 403", async () => {
    const { ops, zone, addDriver } = await newOrg();
    const driver = await addDriver();
    const payload = await expectError(await driver.client.post("/deliveries", order()), 403);
    expect(payload.message).toContain("Forbidden");
    expect(await pendingIn(ops, zone.id)).toBe(0);
  });
});

describe("GET /v2/admin/deliveries/:id", () => {
  it("shows ops and admins the delivery; service gets 403, another org 404", async () => {
    const { ops, admin, service, addDelivery } = await newOrg();
    const other = await newOrg();
    const delivery = await addDelivery();
    const byOps = await ops.get(`/admin/deliveries/${delivery.id}`);
    expect(byOps.status).toBe(200);
    expect(await json(byOps)).toEqual({ ...delivery, offers: [], assignment: null });
    expect((await admin.get(`/admin/deliveries/${delivery.id}`)).status).toBe(200);
    expect((await expectError(await service.get(`/admin/deliveries/${delivery.id}`), 403)).message).toContain("Forbidden");
    await expectError(await other.ops.get(`/admin/deliveries/${delivery.id}`), 404);
    await expectError(await other.admin.get(`/admin/deliveries/${delivery.id}`), 404);
  });

  it("answers 404 for an unknown id and 400 for a non-UUID one", async () => {
    const { ops, addDelivery } = await newOrg();
    const delivery = await addDelivery();
    await expectError(await ops.get(`/admin/deliveries/${crypto.randomUUID()}`), 404);
    await expectValidationError(await ops.get(`/admin/deliveries/${delivery.orderId}`), "params.id");
  });
});

describe("POST /v2/deliveries/:id/cancel", () => {
  it("cancels a ready delivery once; a second cancel is 409", async () => {
    const { service, ops, zone, addDelivery } = await newOrg();
    const delivery = await addDelivery();
    const res = await service.post(`/deliveries/${delivery.id}/cancel`, { reason: "customer cancelled" });
    expect(res.status).toBe(200);
    const cancelled = await json(res);
    expect(cancelled).toMatchObject({ id: delivery.id, status: "cancelled", statusReason: "customer cancelled", orderId: delivery.orderId });
    expect(cancelled.updatedAt >= delivery.updatedAt).toBe(true);
    expect((await json(await ops.get(`/admin/deliveries/${delivery.id}`))).status).toBe("cancelled");
    expect(await pendingIn(ops, zone.id)).toBe(0);

    const again = await expectError(await ops.post(`/deliveries/${delivery.id}/cancel`, { reason: "again" }), 409);
    expect(again.error).toBe("Conflict");
    expect((await json(await ops.get(`/admin/deliveries/${delivery.id}`))).statusReason).toBe("customer cancelled");
  });

  it("needs a reason (400), a known delivery (404) and a non-driver caller (403)", async () => {
    const { service, ops, addDelivery, addDriver } = await newOrg();
    const other = await newOrg();
    const delivery = await addDelivery();
    await expectValidationError(await service.post(`/deliveries/${delivery.id}/cancel`, {}), "body.reason");
    await expectValidationError(await service.post(`/deliveries/${delivery.id}/cancel`, { reason: "  " }), "body.reason");
    await expectValidationError(await service.post("/deliveries/abc/cancel", { reason: "x" }), "params.id");
    await expectError(await service.post(`/deliveries/${crypto.randomUUID()}/cancel`, { reason: "x" }), 404);
    await expectError(await other.service.post(`/deliveries/${delivery.id}/cancel`, { reason: "x" }), 404);
    const driver = await addDriver();
    expect((await expectError(await driver.client.post(`/deliveries/${delivery.id}/cancel`, { reason: "x" }), 403)).message).toContain(
      "Forbidden",
    );
    expect((await json(await ops.get(`/admin/deliveries/${delivery.id}`))).status).toBe("ready");
  });
});

describe("POST /v2/drivers/:id/deliveries/:deliveryId/status", () => {
  it("refuses a driver that is not assigned (403), and leaves the delivery alone", async () => {
    const { ops, addDelivery, addDriver } = await newOrg();
    const delivery = await addDelivery();
    const driver = await addDriver();
    const path = `/drivers/${driver.id}/deliveries/${delivery.id}/status`;
    const payload = await expectError(await driver.client.post(path, { status: "picked_up" }), 403);
    expect(payload.message).toContain("Forbidden");
    expect((await json(await ops.get(`/admin/deliveries/${delivery.id}`))).status).toBe("ready");
  });

  it("refuses a driver acting for another driver, and non-driver callers (403)", async () => {
    const { ops, admin, service, addDelivery, addDriver } = await newOrg();
    const delivery = await addDelivery();
    const a = await addDriver();
    const b = await addDriver();
    const path = `/drivers/${a.id}/deliveries/${delivery.id}/status`;
    for (const caller of [b.client, ops, admin, service]) {
      expect((await expectError(await caller.post(path, { status: "delivered" }), 403)).message).toContain("Forbidden");
    }
  });

  it("validates before it authorizes, and 404s an unknown delivery", async () => {
    const { addDriver } = await newOrg();
    const driver = await addDriver();
    const base = `/drivers/${driver.id}/deliveries`;
    await expectValidationError(await driver.client.post(`${base}/${crypto.randomUUID()}/status`, { status: "assigned" }), "body.status");
    await expectValidationError(await driver.client.post(`${base}/not-a-uuid/status`, { status: "picked_up" }), "params.deliveryId");
    await expectError(await driver.client.post(`${base}/${crypto.randomUUID()}/status`, { status: "picked_up" }), 404);
  });
});

describe("GET /v2/admin/deliveries/:id/audit", () => {
  it("records created then delivery_cancelled, versions 1 and 2, with actors and a summary", async () => {
    const { service, ops, addDelivery } = await newOrg();
    const delivery = await addDelivery({ dispatch: "manual" });
    expect((await ops.post(`/deliveries/${delivery.id}/cancel`, { reason: "store closed" })).status).toBe(200);

    const res = await ops.get(`/admin/deliveries/${delivery.id}/audit`);
    expect(res.status).toBe(200);
    const audit = await json(res);
    expect(audit.deliveryId).toBe(delivery.id);
    expect(audit.events.map((e: any) => [e.eventType, e.version])).toEqual([
      ["created", 1],
      ["delivery_cancelled", 2],
    ]);
    const [created, cancelled] = audit.events;
    expect(created).toMatchObject({ actorType: "service", actorId: service.sub, id: expect.stringMatching(uuidPattern) });
    expect(created.timestamp).toMatch(isoMs);
    expect(created.details).toMatchObject({ sellerOrderId: delivery.sellerOrderId, orderId: delivery.orderId });
    expect(cancelled).toMatchObject({ actorType: "admin", actorId: ops.sub });
    expect(cancelled.details).toMatchObject({ from: "ready", to: "cancelled", reason: "store closed" });
    expect(cancelled.timestamp >= created.timestamp).toBe(true);
    expect(audit.summary).toEqual({
      totalEvents: 2,
      byEventType: { created: 1, delivery_cancelled: 1 },
      byActorType: { service: 1, admin: 1 },
    });
  });

  it("records an admin-created delivery as actor admin, and refuses service (403) and other orgs (404)", async () => {
    const { admin, service, ops } = await newOrg();
    const other = await newOrg();
    const delivery = await json(await admin.post("/deliveries", order({ dispatch: "manual" })));
    const audit = await json(await ops.get(`/admin/deliveries/${delivery.id}/audit`));
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({ eventType: "created", actorType: "admin", actorId: admin.sub, version: 1 });
    expect(audit.summary.byActorType).toEqual({ admin: 1 });
    expect((await expectError(await service.get(`/admin/deliveries/${delivery.id}/audit`), 403)).message).toContain("Forbidden");
    await expectError(await other.ops.get(`/admin/deliveries/${delivery.id}/audit`), 404);
    await expectError(await ops.get(`/admin/deliveries/${crypto.randomUUID()}/audit`), 404);
  });

  it("does not audit refused moves", async () => {
    const { service, ops, addDelivery, addDriver } = await newOrg();
    const delivery = await addDelivery({ dispatch: "manual" });
    const driver = await addDriver();
    await service.post(`/deliveries/${delivery.id}/cancel`, { reason: "first" });
    await expectError(await service.post(`/deliveries/${delivery.id}/cancel`, { reason: "second" }), 409);
    await expectError(await driver.client.post(`/drivers/${driver.id}/deliveries/${delivery.id}/status`, { status: "failed" }), 403);
    const audit = await json(await ops.get(`/admin/deliveries/${delivery.id}/audit`));
    expect(audit.summary.totalEvents).toBe(2);
    expect(audit.events.map((e: any) => e.version)).toEqual([1, 2]);
  });
});

describe("driver tokens from another org", () => {
  it("cannot report status on a foreign delivery (403 or 404, never a change)", async () => {
    const a = await newOrg();
    const b = await newOrg();
    const delivery = await a.addDelivery();
    const foreign = await b.addDriver();
    const res = await foreign.client.post(`/drivers/${foreign.id}/deliveries/${delivery.id}/status`, { status: "picked_up" });
    // Org B knows no such delivery: 404 (docs/api.md: anything of another org is a 404).
    await expectError(res, 404);
    const impostor = await client("driver", b.org);
    await expectError(await impostor.post(`/drivers/${impostor.sub}/deliveries/${delivery.id}/status`, { status: "picked_up" }), 404);
    expect((await json(await a.ops.get(`/admin/deliveries/${delivery.id}`))).status).toBe("ready");
  });
});
