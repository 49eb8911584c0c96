import { describe, expect, it } from "vitest";
import { BENGALURU, client, json, newOrg } from "../helpers/api";
import { squarePolygon } from "../helpers/geometry";
import { expectError, expectValidationError, isoMs, uuidPattern } from "../helpers/expect-error";

/** docs/api-notes.md "Zones": every setting with its documented default. */
const DEFAULT_SETTINGS = {
  dispatchMode: "sequential",
  broadcastSize: 3,
  offerTimeoutSeconds: 30,
  searchRadiusKm: 5,
  widenedRadiusKm: 10,
  maxOfferAttempts: 10,
  escalationSeconds: [300, 900, 1800],
  offlineAfterSeconds: 90,
  avgSpeedKmh: 25,
  baseFee: 40,
  perKmFee: 12,
  currency: "INR",
  alerts: { minHealthScore: 50, maxUnassigned: 20 },
};

const NORTH = { lat: 13.2, lon: 77.6 };

describe("POST /v2/admin/zones", () => {
  it("creates a zone with every documented default", async () => {
    const admin = await client("admin", crypto.randomUUID());
    const polygon = squarePolygon(BENGALURU);
    const res = await admin.post("/admin/zones", { name: "Central", polygon });
    expect(res.status).toBe(201);
    const zone = await json(res);
    expect(zone).toEqual({
      id: expect.stringMatching(uuidPattern),
      name: "Central",
      polygon,
      priorityLevel: 3,
      minDriversOnline: 5,
      targetWaitTimeSeconds: 300,
      timezone: "UTC",
      settings: DEFAULT_SETTINGS,
      createdAt: expect.stringMatching(isoMs),
      updatedAt: expect.stringMatching(isoMs),
    });
    // No internal field (the owning org) leaks into the view.
    expect(zone).not.toHaveProperty("orgId");
  });

  it("keeps custom top-level fields and merges partial settings over the defaults", async () => {
    const admin = await client("admin", crypto.randomUUID());
    const res = await admin.post("/admin/zones", {
      name: "Airport",
      polygon: squarePolygon(NORTH),
      priorityLevel: 1,
      minDriversOnline: 12,
      targetWaitTimeSeconds: 120,
      timezone: "Asia/Kolkata",
      settings: { dispatchMode: "broadcast", broadcastSize: 5, offerTimeoutSeconds: 20, currency: "USD" },
    });
    expect(res.status).toBe(201);
    const zone = await json(res);
    expect(zone).toMatchObject({
      name: "Airport",
      priorityLevel: 1,
      minDriversOnline: 12,
      targetWaitTimeSeconds: 120,
      timezone: "Asia/Kolkata",
    });
    expect(zone.settings).toEqual({
      ...DEFAULT_SETTINGS,
      dispatchMode: "broadcast",
      broadcastSize: 5,
      offerTimeoutSeconds: 20,
      currency: "USD",
    });
    const read = await json(await admin.get(`/admin/zones/${zone.id}`));
    expect(read.settings).toEqual(zone.settings);
    expect(read.timezone).toBe("Asia/Kolkata");
  });

  const base = { name: "Broken", polygon: squarePolygon(BENGALURU) };
  const [sw, se, ne, nw] = squarePolygon(BENGALURU).coordinates[0]!;
  const invalid: [string, unknown, string | RegExp][] = [
    ["an open ring", { ...base, polygon: { type: "Polygon", coordinates: [[sw, se, ne, nw]] } }, "body.polygon.coordinates.0"],
    ["a ring of 3 points", { ...base, polygon: { type: "Polygon", coordinates: [[sw, se, sw]] } }, "body.polygon.coordinates.0"],
    [
      "a latitude of 91",
      { ...base, polygon: { type: "Polygon", coordinates: [[sw, se, [ne![0], 91], nw, sw]] } },
      "body.polygon.coordinates.0.2",
    ],
    ["a MultiPolygon", { ...base, polygon: { type: "MultiPolygon", coordinates: [squarePolygon(BENGALURU).coordinates] } }, "body.polygon.type"],
    ["a Point", { ...base, polygon: { type: "Point", coordinates: [77.6, 12.95] } }, /^body\.polygon/],
    ["no rings", { ...base, polygon: { type: "Polygon", coordinates: [] } }, /^body\.polygon\.coordinates/],
    ["an unknown top-level field", { ...base, color: "red" }, "body.color"],
    ["an unknown polygon field", { ...base, polygon: { ...squarePolygon(BENGALURU), crs: "EPSG:4326" } }, "body.polygon.crs"],
    ["an unknown settings field", { ...base, settings: { surgeMultiplier: 2 } }, "body.settings.surgeMultiplier"],
    ["priorityLevel 0", { ...base, priorityLevel: 0 }, "body.priorityLevel"],
    ["priorityLevel 6", { ...base, priorityLevel: 6 }, "body.priorityLevel"],
    ["an unknown timezone", { ...base, timezone: "Mars/Olympus" }, "body.timezone"],
    ["offerTimeoutSeconds 5", { ...base, settings: { offerTimeoutSeconds: 5 } }, "body.settings.offerTimeoutSeconds"],
    ["a missing name", { polygon: squarePolygon(BENGALURU) }, "body.name"],
  ];

  it.each(invalid)("rejects %s with 400 Validation failed and details", async (_, payload, detailPath) => {
    const admin = await client("admin", crypto.randomUUID());
    await expectValidationError(await admin.post("/admin/zones", payload), detailPath);
    // Nothing was created.
    expect((await json(await admin.get("/admin/zones"))).zones).toEqual([]);
  });

  it("rejects settings whose widened radius is below the search radius", async () => {
    const admin = await client("admin", crypto.randomUUID());
    const res = await admin.post("/admin/zones", { ...base, settings: { searchRadiusKm: 8, widenedRadiusKm: 6 } });
    const payload = await expectValidationError(res, "body.settings.widenedRadiusKm");
    expect(payload.details![0]!.message).toContain("widenedRadiusKm");
    expect((await json(await admin.get("/admin/zones"))).zones).toEqual([]);
  });

  it("lets only admins create zones", async () => {
    const org = crypto.randomUUID();
    for (const role of ["ops", "service", "driver"] as const) {
      const caller = await client(role, org);
      const payload = await expectError(await caller.post("/admin/zones", base), 403);
      expect(payload.message).toContain("Forbidden");
    }
    const admin = await client("admin", org);
    expect((await json(await admin.get("/admin/zones"))).zones).toEqual([]);
  });
});

describe("GET /v2/admin/zones", () => {
  it("lists the caller's org's zones only, oldest first", async () => {
    const { admin, ops, zone } = await newOrg();
    const second = await json(await admin.post("/admin/zones", { name: "North", polygon: squarePolygon(NORTH) }));
    const other = await newOrg();

    const listed = await json(await ops.get("/admin/zones"));
    expect(listed.zones.map((z: any) => z.id)).toEqual([zone.id, second.id]);
    expect(listed.zones[0]).toEqual({ ...zone, health: expect.objectContaining({ healthScore: expect.any(Number) }) });
    expect(listed.zones.map((z: any) => z.id)).not.toContain(other.zone.id);

    const theirs = await json(await other.admin.get("/admin/zones"));
    expect(theirs.zones.map((z: any) => z.id)).toEqual([other.zone.id]);
  });

  it("refuses service and driver callers, and unknown query keys", async () => {
    const { org, ops } = await newOrg();
    expect((await expectError(await (await client("service", org)).get("/admin/zones"), 403)).message).toContain("Forbidden");
    expect((await expectError(await (await client("driver", org)).get("/admin/zones"), 403)).message).toContain("Forbidden");
    await expectValidationError(await ops.get("/admin/zones?limit=5"), "query.limit");
  });
});

describe("GET /v2/admin/zones/:zoneId", () => {
  it("shows the zone with live health counts that follow drivers and deliveries", async () => {
    const { ops, zone, addDriver, addDelivery, service } = await newOrg();
    const empty = await ops.get(`/admin/zones/${zone.id}`);
    expect(empty.status).toBe(200);
    const before = await json(empty);
    expect(before).toMatchObject({ ...zone, health: expect.any(Object) });
    expect(before.health).toEqual({
      driversByAvailability: { available: 0, busy: 0, on_break: 0, shift_ended: 0, offline: 0, paused: 0 },
      driversOnline: 0,
      pendingDeliveries: 0,
      activeDeliveries: 0,
      pendingOffers: 0,
      unassignedByLevel: { "0": 0, "1": 0, "2": 0, "3": 0 },
      // Nobody online (supply 0 of 5), nothing waiting (wait and flow whole): 100 × (0.4 + 0.2).
      currentDriversOnline: 0,
      minDriversRequired: 5,
      avgWaitTimeSeconds: 0,
      targetWaitTimeSeconds: 300,
      demandLevel: 1,
      healthScore: 60,
      alerts: [],
      updatedAt: expect.stringMatching(isoMs),
    });

    const first = await addDriver();
    await addDriver();
    const delivery = await addDelivery();
    await addDelivery();
    let health = (await json(await ops.get(`/admin/zones/${zone.id}`))).health;
    expect(health.driversByAvailability).toMatchObject({ offline: 2, available: 0 });
    expect(health.driversOnline).toBe(0);
    expect(health.pendingDeliveries).toBe(2);
    expect(health.unassignedByLevel).toEqual({ "0": 2, "1": 0, "2": 0, "3": 0 });

    expect((await first.client.post(`/drivers/${first.id}/availability/resume`)).status).toBe(200);
    expect((await service.post(`/deliveries/${delivery.id}/cancel`, { reason: "customer changed mind" })).status).toBe(200);
    health = (await json(await ops.get(`/admin/zones/${zone.id}`))).health;
    expect(health.driversByAvailability).toMatchObject({ offline: 1, available: 1 });
    expect(health.driversOnline).toBe(1);
    expect(health.pendingDeliveries).toBe(1);
    expect(health.activeDeliveries).toBe(0);
    // The resumed driver holds the offer of the delivery still waiting.
    expect(health.pendingOffers).toBe(1);

    expect((await ops.post(`/admin/drivers/${first.id}/pause`, {})).status).toBe(200);
    health = (await json(await ops.get(`/admin/zones/${zone.id}`))).health;
    expect(health.driversByAvailability).toMatchObject({ offline: 1, available: 0, paused: 1 });
    expect(health.driversOnline).toBe(0);
    expect(health.pendingOffers).toBe(0);
  });

  it("answers 404 for an unknown zone and 400 for a non-UUID id", async () => {
    const { ops } = await newOrg();
    const missing = await expectError(await ops.get(`/admin/zones/${crypto.randomUUID()}`), 404);
    expect(missing.error).toBe("Not Found");
    await expectValidationError(await ops.get("/admin/zones/central"), "params.zoneId");
    await expectValidationError(await ops.get("/admin/zones/1"), "params.zoneId");
  });

  it("refuses service callers", async () => {
    const { zone, service } = await newOrg();
    expect((await expectError(await service.get(`/admin/zones/${zone.id}`), 403)).message).toContain("Forbidden");
  });
});

describe("PATCH /v2/admin/zones/:zoneId/settings", () => {
  it("merges a partial patch and answers the full settings; later patches keep earlier ones", async () => {
    const { admin, ops, zone } = await newOrg();
    const first = await admin.patch(`/admin/zones/${zone.id}/settings`, { offerTimeoutSeconds: 45, searchRadiusKm: 7 });
    expect(first.status).toBe(200);
    expect(await json(first)).toEqual({ ...DEFAULT_SETTINGS, offerTimeoutSeconds: 45, searchRadiusKm: 7 });

    const second = await admin.patch(`/admin/zones/${zone.id}/settings`, {
      dispatchMode: "broadcast",
      escalationSeconds: [60, 120, 180],
    });
    expect(second.status).toBe(200);
    const expected = {
      ...DEFAULT_SETTINGS,
      offerTimeoutSeconds: 45,
      searchRadiusKm: 7,
      dispatchMode: "broadcast",
      escalationSeconds: [60, 120, 180],
    };
    expect(await json(second)).toEqual(expected);

    // Read-your-writes, in the single read and in the list.
    const read = await json(await ops.get(`/admin/zones/${zone.id}`));
    expect(read.settings).toEqual(expected);
    expect(read.updatedAt >= zone.updatedAt).toBe(true);
    expect(read.createdAt).toBe(zone.createdAt);
    expect((await json(await ops.get("/admin/zones"))).zones[0].settings).toEqual(expected);
  });

  it("merges alert thresholds key by key", async () => {
    const { admin, zone } = await newOrg();
    const first = await admin.patch(`/admin/zones/${zone.id}/settings`, { alerts: { maxUnassigned: 5 } });
    expect(await json(first)).toEqual({ ...DEFAULT_SETTINGS, alerts: { minHealthScore: 50, maxUnassigned: 5 } });
    const second = await admin.patch(`/admin/zones/${zone.id}/settings`, { alerts: { minHealthScore: 70 } });
    expect(await json(second)).toEqual({ ...DEFAULT_SETTINGS, alerts: { minHealthScore: 70, maxUnassigned: 5 } });
  });

  it("accepts an empty patch as a no-op", async () => {
    const { admin, zone } = await newOrg();
    const res = await admin.patch(`/admin/zones/${zone.id}/settings`, {});
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual(DEFAULT_SETTINGS);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ["offerTimeoutSeconds 121", { offerTimeoutSeconds: 121 }, "body.offerTimeoutSeconds"],
    ["an unknown dispatchMode", { dispatchMode: "lottery" }, "body.dispatchMode"],
    ["a negative searchRadiusKm", { searchRadiusKm: -1 }, "body.searchRadiusKm"],
    ["a string number", { baseFee: "40" }, "body.baseFee"],
    ["a lowercase currency", { currency: "inr" }, "body.currency"],
    ["escalationSeconds not increasing", { escalationSeconds: [900, 300, 1800] }, "body.escalationSeconds"],
    ["escalationSeconds with a repeat", { escalationSeconds: [300, 300, 1800] }, "body.escalationSeconds"],
    ["escalationSeconds of two levels", { escalationSeconds: [300, 900] }, "body.escalationSeconds"],
    ["an escalation level of 0 s", { escalationSeconds: [0, 900, 1800] }, "body.escalationSeconds.0"],
    ["an unknown setting", { surgeMultiplier: 2 }, "body.surgeMultiplier"],
    ["a minHealthScore over 100", { alerts: { minHealthScore: 101 } }, "body.alerts.minHealthScore"],
    ["a maxUnassigned of 0", { alerts: { maxUnassigned: 0 } }, "body.alerts.maxUnassigned"],
    ["an unknown alert threshold", { alerts: { maxOffline: 3 } }, "body.alerts.maxOffline"],
  ];

  it.each(invalid)("rejects %s with 400 and leaves the settings alone", async (_, patch, detailPath) => {
    const { admin, zone } = await newOrg();
    await expectValidationError(await admin.patch(`/admin/zones/${zone.id}/settings`, patch), detailPath);
    expect((await json(await admin.get(`/admin/zones/${zone.id}`))).settings).toEqual(DEFAULT_SETTINGS);
  });

  it("rejects a widenedRadiusKm below the searchRadiusKm, in the patch or against the stored value", async () => {
    const { admin, zone } = await newOrg();
    // Both in one patch.
    const both = await expectValidationError(
      await admin.patch(`/admin/zones/${zone.id}/settings`, { searchRadiusKm: 8, widenedRadiusKm: 6 }),
      "body.widenedRadiusKm",
    );
    expect(both.details![0]!.message).toContain("widenedRadiusKm");
    // Only the widened radius, below the stored search radius (5).
    await expectValidationError(await admin.patch(`/admin/zones/${zone.id}/settings`, { widenedRadiusKm: 4 }), "body.widenedRadiusKm");
    // Only the search radius, above the stored widened radius (10).
    await expectValidationError(await admin.patch(`/admin/zones/${zone.id}/settings`, { searchRadiusKm: 12 }), "body.widenedRadiusKm");
    expect((await json(await admin.get(`/admin/zones/${zone.id}`))).settings).toEqual(DEFAULT_SETTINGS);
    // Equal radii are fine.
    const ok = await admin.patch(`/admin/zones/${zone.id}/settings`, { searchRadiusKm: 10 });
    expect(ok.status).toBe(200);
    expect((await json(ok)).searchRadiusKm).toBe(10);
  });

  it("is admin only: ops and service get 403, and nothing changes", async () => {
    const { ops, service, admin, zone } = await newOrg();
    for (const caller of [ops, service]) {
      const payload = await expectError(await caller.patch(`/admin/zones/${zone.id}/settings`, { offerTimeoutSeconds: 60 }), 403);
      expect(payload.message).toContain("Forbidden");
    }
    expect((await json(await admin.get(`/admin/zones/${zone.id}`))).settings.offerTimeoutSeconds).toBe(30);
  });

  it("answers 404 for an unknown zone and 400 for a non-UUID zoneId", async () => {
    const { admin } = await newOrg();
    await expectError(await admin.patch(`/admin/zones/${crypto.randomUUID()}/settings`, { offerTimeoutSeconds: 60 }), 404);
    await expectValidationError(await admin.patch("/admin/zones/not-a-zone/settings", { offerTimeoutSeconds: 60 }), "params.zoneId");
  });
});

describe("GET /v2/admin/zones/:zoneId/board", () => {
  it("answers the zone's live working set: drivers, deliveries not ended, pending offers, counts (schema-checked by send)", async () => {
    const o = await newOrg({ escalationSeconds: [86_400, 172_800, 259_200] });
    const driver = await o.addDriver();
    await driver.client.post(`/drivers/${driver.id}/availability/resume`);
    const offered = await o.addDelivery();
    const manual = await o.addDelivery({ dispatch: "manual" });
    const res = await o.ops.get(`/admin/zones/${o.zone.id}/board`);
    expect(res.status).toBe(200);
    const board = await res.json<any>();
    expect(board.zone.id).toBe(o.zone.id);
    expect(board.drivers.map((d: any) => d.id)).toEqual([driver.id]);
    expect(board.deliveries.map((d: any) => d.id).sort()).toEqual([offered.id, manual.id].sort());
    expect(board.offers).toEqual([expect.objectContaining({ deliveryId: offered.id, driverId: driver.id, status: "PENDING" })]);
    expect(board.health).toMatchObject({ pendingDeliveries: 2, pendingOffers: 1, driversOnline: 1 });
    expect((await o.admin.get(`/admin/zones/${o.zone.id}/board`)).status).toBe(200);
    expect((await driver.client.get(`/admin/zones/${o.zone.id}/board`)).status).toBe(403);
  });
});
