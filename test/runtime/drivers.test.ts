import { describe, expect, it } from "vitest";
import { client, json, newOrg } from "../helpers/api";
import { squarePolygon } from "../helpers/geometry";
import { expectError, expectValidationError, isoMs, uuidPattern } from "../helpers/expect-error";

/** Exactly what a driver view may contain: nothing internal (org, storage bookkeeping, timers). */
const DRIVER_VIEW_KEYS = [
  "availability",
  "availabilityReason",
  "availabilityUntil",
  "capabilities",
  "createdAt",
  "id",
  "lastSeenAt",
  "location",
  "name",
  "phone",
  "rating",
  "updatedAt",
  "vehicle",
  "vehicleType",
  "zoneId",
  "zonePreferences",
];

const PHONE = "+919876543210";
const MASKED = "***-***-3210";
const NORTH = { lat: 13.2, lon: 77.6 };

/** An org with a second, disjoint zone to move drivers into. */
async function orgWithTwoZones() {
  const org = await newOrg();
  const res = await org.admin.post("/admin/zones", { name: "North", polygon: squarePolygon(NORTH) });
  expect(res.status).toBe(201);
  return { ...org, north: await json(res) };
}

describe("POST /v2/admin/drivers", () => {
  it("creates an offline driver and shows the admin the whole phone, nothing internal", async () => {
    const { admin, zone } = await newOrg();
    const res = await admin.post("/admin/drivers", {
      name: "Asha Rao",
      phone: PHONE,
      vehicle: "Honda Activa",
      vehicleType: "scooter",
      capabilities: ["cold_chain", "cash"],
      zoneId: zone.id,
      location: { lat: 12.95, lon: 77.6 },
    });
    expect(res.status).toBe(201);
    const driver = await json(res);
    expect(Object.keys(driver).sort()).toEqual(DRIVER_VIEW_KEYS);
    expect(driver).toMatchObject({
      id: expect.stringMatching(uuidPattern),
      zoneId: zone.id,
      name: "Asha Rao",
      phone: PHONE,
      vehicle: "Honda Activa",
      vehicleType: "scooter",
      capabilities: ["cold_chain", "cash"],
      availability: "offline",
      availabilityUntil: null,
      zonePreferences: [],
      location: { lat: 12.95, lon: 77.6, recordedAt: expect.stringMatching(isoMs) },
      createdAt: expect.stringMatching(isoMs),
    });
    expect(typeof driver.rating).toBe("number");
  });

  it("takes the optional fields as absent", async () => {
    const { admin, zone } = await newOrg();
    const res = await admin.post("/admin/drivers", { name: "Minimal", phone: PHONE, vehicle: "Cycle", zoneId: zone.id });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ vehicleType: null, capabilities: [], location: null, availability: "offline" });
  });

  it("answers 404 for a zone of another org, or no zone at all, and creates nothing", async () => {
    const mine = await newOrg();
    const theirs = await newOrg();
    const body = { name: "Intruder", phone: PHONE, vehicle: "Bike", zoneId: theirs.zone.id };
    await expectError(await mine.admin.post("/admin/drivers", body), 404);
    await expectError(await mine.admin.post("/admin/drivers", { ...body, zoneId: crypto.randomUUID() }), 404);
    expect((await json(await theirs.admin.get("/drivers"))).drivers).toEqual([]);
    expect((await json(await mine.admin.get("/drivers"))).drivers).toEqual([]);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ["a phone without +", { phone: "919876543210" }, "body.phone"],
    ["a phone with dashes", { phone: "+91-98765-43210" }, "body.phone"],
    ["a too short phone", { phone: "+12345" }, "body.phone"],
    ["an unknown vehicleType", { vehicleType: "rocket" }, "body.vehicleType"],
    ["a non-UUID zoneId", { zoneId: "central" }, "body.zoneId"],
    ["a latitude of 91", { location: { lat: 91, lon: 77.6 } }, "body.location.lat"],
    ["an unknown field", { password: "hunter2" }, "body.password"],
    ["an empty name", { name: "  " }, "body.name"],
  ];

  it.each(invalid)("rejects %s with 400", async (_, override, detailPath) => {
    const { admin, zone } = await newOrg();
    const res = await admin.post("/admin/drivers", { name: "X", phone: PHONE, vehicle: "Bike", zoneId: zone.id, ...override });
    await expectValidationError(res, detailPath);
    expect((await json(await admin.get("/drivers"))).drivers).toEqual([]);
  });

  it("is admin only", async () => {
    const { org, ops, zone } = await newOrg();
    const body = { name: "X", phone: PHONE, vehicle: "Bike", zoneId: zone.id };
    for (const caller of [ops, await client("service", org), await client("driver", org)]) {
      expect((await expectError(await caller.post("/admin/drivers", body), 403)).message).toContain("Forbidden");
    }
  });
});

describe("GET /v2/drivers/:id", () => {
  it("shows the driver itself and admins the phone, ops a masked one", async () => {
    const { ops, admin, addDriver } = await newOrg();
    const driver = await addDriver();

    const self = await driver.client.get(`/drivers/${driver.id}`);
    expect(self.status).toBe(200);
    const own = await json(self);
    expect(own.phone).toBe(PHONE);
    expect(Object.keys(own).sort()).toEqual(DRIVER_VIEW_KEYS);
    expect(own).toMatchObject({ id: driver.id, zoneId: driver.zoneId, name: driver.name, availability: "offline" });

    const byOps = await json(await ops.get(`/drivers/${driver.id}`));
    expect(byOps.phone).toBe(MASKED);
    expect(byOps).toEqual({ ...own, phone: MASKED });

    expect((await json(await admin.get(`/drivers/${driver.id}`))).phone).toBe(PHONE);
  });

  it("never carries a secret or internal field", async () => {
    const { ops, addDriver } = await newOrg();
    const driver = await addDriver();
    const text = await (await ops.get(`/drivers/${driver.id}`)).text();
    for (const word of ["password", "secret", "token", "orgId", "savedAt", "historyVersion", "idleSince", PHONE]) {
      expect(text).not.toContain(word);
    }
  });

  it("refuses another driver of the org (403) and service callers (403)", async () => {
    const { org, addDriver, service } = await newOrg();
    const a = await addDriver();
    const b = await addDriver();
    const other = await expectError(await b.client.get(`/drivers/${a.id}`), 403);
    expect(other.message).toContain("Forbidden");
    expect(other.message).not.toContain(PHONE);
    expect((await expectError(await service.get(`/drivers/${a.id}`), 403)).message).toContain("Forbidden");
    // A driver token naming some id that does not exist answers the same 403: no existence probe.
    const stranger = await client("driver", org);
    expect((await expectError(await stranger.get(`/drivers/${crypto.randomUUID()}`), 403)).message).toContain("Forbidden");
  });

  it("keeps orgs apart: a driver of another org gets 403 (role check first), 404 even with the same sub", async () => {
    const a = await newOrg();
    const b = await newOrg();
    const driver = await a.addDriver();
    const foreignDriver = await b.addDriver();
    // docs/api.md orders 403 before 404, and a driver may only name itself: 403, whatever org.
    expect((await expectError(await foreignDriver.client.get(`/drivers/${driver.id}`), 403)).message).toContain("Forbidden");
    // A token of org B whose sub is org A's driver id: passes the self check, then org A's
    // driver does not exist for org B → 404, and nothing of it shows.
    const impostor = await client("driver", b.org, driver.id);
    const payload = await expectError(await impostor.get(`/drivers/${driver.id}`), 404);
    expect(JSON.stringify(payload)).not.toContain(PHONE);
    await expectError(await impostor.post(`/drivers/${driver.id}/location`, { lat: 12.9, lon: 77.5 }), 404);
    await expectError(await impostor.post(`/drivers/${driver.id}/availability/resume`), 404);
    // Ops of org B: 404.
    await expectError(await b.ops.get(`/drivers/${driver.id}`), 404);
    // Org A's driver is untouched.
    const after = await json(await a.admin.get(`/drivers/${driver.id}`));
    expect(after).toMatchObject({ availability: "offline", location: driver.location, phone: PHONE });
  });

  it("answers 404 for an unknown driver to ops", async () => {
    const { ops } = await newOrg();
    expect((await expectError(await ops.get(`/drivers/${crypto.randomUUID()}`), 404)).error).toBe("Not Found");
  });

  it("rejects an SQL injection attempt in the path with 400 Validation failed", async () => {
    const { ops, addDriver } = await newOrg();
    const driver = await addDriver();
    const raw = await ops.get("/drivers/'; DROP TABLE drivers; --");
    await expectValidationError(raw, "params.id");
    const encoded = await ops.get(`/drivers/${encodeURIComponent("'; DROP TABLE drivers; --")}`);
    await expectValidationError(encoded, "params.id");
    // Everything still works afterwards.
    expect((await ops.get(`/drivers/${driver.id}`)).status).toBe(200);
  });
});

describe("PATCH /v2/admin/drivers/:id", () => {
  it("edits the profile and keeps the rest", async () => {
    const { admin, ops, addDriver } = await newOrg();
    const driver = await addDriver();
    const res = await admin.patch(`/admin/drivers/${driver.id}`, {
      vehicle: "Maruti Swift",
      vehicleType: "car",
      capabilities: ["bulky"],
      name: "Renamed",
    });
    expect(res.status).toBe(200);
    const edited = await json(res);
    expect(edited).toMatchObject({
      id: driver.id,
      zoneId: driver.zoneId,
      vehicle: "Maruti Swift",
      vehicleType: "car",
      capabilities: ["bulky"],
      name: "Renamed",
      phone: PHONE,
      availability: "offline",
      createdAt: driver.createdAt,
    });
    expect(edited.updatedAt >= driver.updatedAt).toBe(true);
    expect(await json(await ops.get(`/drivers/${driver.id}`))).toMatchObject({ vehicle: "Maruti Swift", name: "Renamed", phone: MASKED });
  });

  it("rejects an empty patch, unknown fields and bad values with 400", async () => {
    const { admin, addDriver } = await newOrg();
    const driver = await addDriver();
    await expectValidationError(await admin.patch(`/admin/drivers/${driver.id}`, {}));
    await expectValidationError(await admin.patch(`/admin/drivers/${driver.id}`, { availability: "available" }), "body.availability");
    await expectValidationError(await admin.patch(`/admin/drivers/${driver.id}`, { phone: "12" }), "body.phone");
    await expectValidationError(await admin.patch(`/admin/drivers/${driver.id}`, { zoneId: "north" }), "body.zoneId");
    expect((await json(await admin.get(`/drivers/${driver.id}`))).availability).toBe("offline");
  });

  it("moves an available driver to another zone of the org, keeping availability and history", async () => {
    const { admin, ops, zone, north, addDriver } = await orgWithTwoZones();
    const driver = await addDriver();
    const resumed = await driver.client.post(`/drivers/${driver.id}/availability/resume`);
    expect(resumed.status).toBe(200);

    const moved = await admin.patch(`/admin/drivers/${driver.id}`, { zoneId: north.id, vehicle: "Bajaj Pulsar" });
    expect(moved.status).toBe(200);
    expect(await json(moved)).toMatchObject({ id: driver.id, zoneId: north.id, availability: "available", vehicle: "Bajaj Pulsar" });

    // Reads after the move: the driver itself, ops, the lists and the zones' counts.
    expect(await json(await driver.client.get(`/drivers/${driver.id}`))).toMatchObject({
      zoneId: north.id,
      availability: "available",
      phone: PHONE,
    });
    const inNorth = await json(await ops.get(`/drivers?zoneId=${north.id}`));
    expect(inNorth.drivers.map((d: any) => d.id)).toEqual([driver.id]);
    expect((await json(await ops.get(`/drivers?zoneId=${zone.id}`))).drivers).toEqual([]);
    expect((await json(await ops.get("/drivers"))).drivers.map((d: any) => d.id)).toEqual([driver.id]);
    const northHealth = (await json(await ops.get(`/admin/zones/${north.id}`))).health;
    const centralHealth = (await json(await ops.get(`/admin/zones/${zone.id}`))).health;
    expect(northHealth.driversByAvailability.available).toBe(1);
    expect(centralHealth.driversByAvailability.available).toBe(0);

    // Its history came along, once.
    const history = await json(await driver.client.get(`/drivers/${driver.id}/availability/history`));
    expect(history.history).toHaveLength(1);
    expect(history.history[0]).toMatchObject({ fromState: "offline", toState: "available", actorType: "driver", actorId: driver.id });

    // It keeps working in its new zone, and its history grows there.
    const onBreak = await driver.client.post(`/drivers/${driver.id}/availability/take-break`, { durationMinutes: 15 });
    expect(onBreak.status).toBe(200);
    const later = await json(await ops.get(`/drivers/${driver.id}/availability/history`));
    expect(later.history.map((h: any) => h.toState)).toEqual(["on_break", "available"]);
    expect((await json(await ops.get(`/admin/zones/${north.id}`))).health.driversByAvailability.on_break).toBe(1);
  });

  it("moves to the zone it is already in as a no-op, and refuses unknown or foreign zones with 404", async () => {
    const { admin, zone, addDriver } = await newOrg();
    const other = await newOrg();
    const driver = await addDriver();
    const same = await admin.patch(`/admin/drivers/${driver.id}`, { zoneId: zone.id });
    expect(same.status).toBe(200);
    expect((await json(same)).zoneId).toBe(zone.id);
    await expectError(await admin.patch(`/admin/drivers/${driver.id}`, { zoneId: crypto.randomUUID() }), 404);
    await expectError(await admin.patch(`/admin/drivers/${driver.id}`, { zoneId: other.zone.id }), 404);
    expect((await json(await admin.get(`/drivers/${driver.id}`))).zoneId).toBe(zone.id);
  });

  it("is admin only, and 404 for an unknown driver", async () => {
    const { admin, ops, addDriver } = await newOrg();
    const driver = await addDriver();
    expect((await expectError(await ops.patch(`/admin/drivers/${driver.id}`, { vehicle: "Car" }), 403)).message).toContain("Forbidden");
    expect((await expectError(await driver.client.patch(`/admin/drivers/${driver.id}`, { vehicle: "Car" }), 403)).message).toContain(
      "Forbidden",
    );
    await expectError(await admin.patch(`/admin/drivers/${crypto.randomUUID()}`, { vehicle: "Car" }), 404);
    expect((await json(await admin.get(`/drivers/${driver.id}`))).vehicle).toBe("Honda Activa");
  });
});

describe("PUT /v2/drivers/:id/zone-preferences", () => {
  it("sets and replaces the driver's preferences", async () => {
    const { zone, north, addDriver, ops } = await orgWithTwoZones();
    const driver = await addDriver();
    const res = await driver.client.put(`/drivers/${driver.id}/zone-preferences`, {
      preferences: [
        { zoneId: zone.id, preference: "PREFERRED" },
        { zoneId: north.id, preference: "UNAVAILABLE" },
      ],
    });
    expect(res.status).toBe(200);
    const set = await json(res);
    expect(set.driverId).toBe(driver.id);
    expect(set.preferences).toEqual(
      expect.arrayContaining([
        { zoneId: zone.id, preference: "PREFERRED" },
        { zoneId: north.id, preference: "UNAVAILABLE" },
      ]),
    );
    expect(set.preferences).toHaveLength(2);

    const replaced = await ops.put(`/drivers/${driver.id}/zone-preferences`, { preferences: [{ zoneId: north.id, preference: "AVAILABLE" }] });
    expect(replaced.status).toBe(200);
    expect((await json(replaced)).preferences).toEqual([{ zoneId: north.id, preference: "AVAILABLE" }]);
    expect((await json(await driver.client.get(`/drivers/${driver.id}`))).zonePreferences).toEqual([
      { zoneId: north.id, preference: "AVAILABLE" },
    ]);
  });

  it("answers 404 for an unknown zone or a zone of another org, and keeps the old preferences", async () => {
    const { zone, addDriver } = await newOrg();
    const other = await newOrg();
    const driver = await addDriver();
    const path = `/drivers/${driver.id}/zone-preferences`;
    expect((await driver.client.put(path, { preferences: [{ zoneId: zone.id, preference: "PREFERRED" }] })).status).toBe(200);
    await expectError(await driver.client.put(path, { preferences: [{ zoneId: crypto.randomUUID(), preference: "PREFERRED" }] }), 404);
    await expectError(await driver.client.put(path, { preferences: [{ zoneId: other.zone.id, preference: "AVAILABLE" }] }), 404);
    expect((await json(await driver.client.get(`/drivers/${driver.id}`))).zonePreferences).toEqual([
      { zoneId: zone.id, preference: "PREFERRED" },
    ]);
  });

  it("rejects a repeated zoneId, an unknown preference and unknown fields with 400", async () => {
    const { zone, addDriver } = await newOrg();
    const driver = await addDriver();
    const path = `/drivers/${driver.id}/zone-preferences`;
    await expectValidationError(
      await driver.client.put(path, {
        preferences: [
          { zoneId: zone.id, preference: "PREFERRED" },
          { zoneId: zone.id, preference: "UNAVAILABLE" },
        ],
      }),
      "body.preferences",
    );
    await expectValidationError(
      await driver.client.put(path, { preferences: [{ zoneId: zone.id, preference: "LOVE_IT" }] }),
      "body.preferences.0.preference",
    );
    await expectValidationError(await driver.client.put(path, { preferences: [{ zoneId: zone.id, preference: "PREFERRED", rank: 1 }] }), "body.preferences.0.rank");
    await expectValidationError(await driver.client.put(path, {}), "body.preferences");
    expect((await json(await driver.client.get(`/drivers/${driver.id}`))).zonePreferences).toEqual([]);
  });

  it("refuses another driver", async () => {
    const { zone, addDriver } = await newOrg();
    const a = await addDriver();
    const b = await addDriver();
    const res = await b.client.put(`/drivers/${a.id}/zone-preferences`, { preferences: [{ zoneId: zone.id, preference: "PREFERRED" }] });
    expect((await expectError(res, 403)).message).toContain("Forbidden");
  });
});

describe("POST /v2/drivers/:id/location", () => {
  it("applies a fix, ignores an older one, and never changes availability", async () => {
    const { ops, addDriver } = await newOrg();
    const driver = await addDriver();
    const now = Date.now();
    const fresh = { lat: 12.97, lon: 77.59, accuracyMeters: 8, speed: 22, heading: 90, recordedAt: new Date(now).toISOString() };
    const res = await driver.client.post(`/drivers/${driver.id}/location`, fresh);
    expect(res.status).toBe(200);
    const applied = await json(res);
    expect(applied).toMatchObject({ success: true, driverId: driver.id, applied: true });
    expect(applied.location).toEqual({ ...fresh, recordedAt: new Date(now).toISOString() });

    const stale = await driver.client.post(`/drivers/${driver.id}/location`, {
      lat: 12.9,
      lon: 77.5,
      recordedAt: new Date(now - 60_000).toISOString(),
    });
    expect(stale.status).toBe(200);
    const ignored = await json(stale);
    expect(ignored.applied).toBe(false);
    expect(ignored.location).toEqual(applied.location);

    const read = await json(await ops.get(`/drivers/${driver.id}`));
    expect(read.location).toEqual(applied.location);
    expect(read.availability).toBe("offline");
    expect(read.lastSeenAt).toMatch(isoMs);

    // An available driver stays available too.
    expect((await driver.client.post(`/drivers/${driver.id}/availability/resume`)).status).toBe(200);
    const again = await driver.client.post(`/drivers/${driver.id}/location`, { lat: 12.96, lon: 77.61 });
    expect((await json(again)).applied).toBe(true);
    expect((await json(await ops.get(`/drivers/${driver.id}`))).availability).toBe("available");
    const history = await json(await ops.get(`/drivers/${driver.id}/availability/history`));
    expect(history.history).toHaveLength(1);
  });

  it("accepts a fix of a driver created without a location", async () => {
    const { addDriver } = await newOrg();
    const driver = await addDriver({ location: undefined });
    expect(driver.location).toBeNull();
    const res = await driver.client.post(`/drivers/${driver.id}/location`, { lat: 12.95, lon: 77.6 });
    expect(res.status).toBe(200);
    expect(await json(res)).toMatchObject({ applied: true, location: { lat: 12.95, lon: 77.6, recordedAt: expect.stringMatching(isoMs) } });
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ["lat 91", { lat: 91, lon: 77.6 }, "body.lat"],
    ["lat -90.5", { lat: -90.5, lon: 77.6 }, "body.lat"],
    ["lon 181", { lat: 12.9, lon: 181 }, "body.lon"],
    ["a missing lon", { lat: 12.9 }, "body.lon"],
    ["a string lat", { lat: "12.9", lon: 77.6 }, "body.lat"],
    ["a heading of 400", { lat: 12.9, lon: 77.6, heading: 400 }, "body.heading"],
    ["a bad recordedAt", { lat: 12.9, lon: 77.6, recordedAt: "yesterday" }, "body.recordedAt"],
    ["an unknown field", { lat: 12.9, lon: 77.6, altitude: 900 }, "body.altitude"],
  ];

  it.each(invalid)("rejects %s with 400 and keeps the location", async (_, report, detailPath) => {
    const { addDriver } = await newOrg();
    const driver = await addDriver();
    await expectValidationError(await driver.client.post(`/drivers/${driver.id}/location`, report), detailPath);
    expect((await json(await driver.client.get(`/drivers/${driver.id}`))).location).toEqual(driver.location);
  });

  it("refuses another driver's location", async () => {
    const { addDriver } = await newOrg();
    const a = await addDriver();
    const b = await addDriver();
    expect((await expectError(await b.client.post(`/drivers/${a.id}/location`, { lat: 1, lon: 1 }), 403)).message).toContain("Forbidden");
    expect((await json(await a.client.get(`/drivers/${a.id}`))).location).toEqual(a.location);
  });
});

describe("GET /v2/drivers", () => {
  it("lists the org's drivers, filtered by zone and availability, phones masked for ops", async () => {
    const { admin, ops, zone, north, addDriver } = await orgWithTwoZones();
    const central = await addDriver({ name: "Central One" });
    const ready = await addDriver({ name: "Central Two" });
    const far = await addDriver({ name: "North One", zoneId: north.id, location: { lat: 13.2, lon: 77.6 } });
    expect((await ready.client.post(`/drivers/${ready.id}/availability/resume`)).status).toBe(200);
    const other = await newOrg();
    await other.addDriver();

    const all = await json(await ops.get("/drivers"));
    expect(all.drivers.map((d: any) => d.id).sort()).toEqual([central.id, ready.id, far.id].sort());
    for (const d of all.drivers) {
      expect(d.phone).toBe(MASKED);
      expect(Object.keys(d).sort()).toEqual(DRIVER_VIEW_KEYS);
    }
    expect((await json(await admin.get("/drivers"))).drivers.every((d: any) => d.phone === PHONE)).toBe(true);

    const inCentral = await json(await ops.get(`/drivers?zoneId=${zone.id}`));
    expect(inCentral.drivers.map((d: any) => d.id).sort()).toEqual([central.id, ready.id].sort());
    const inNorth = await json(await ops.get(`/drivers?zoneId=${north.id}`));
    expect(inNorth.drivers.map((d: any) => d.id)).toEqual([far.id]);

    const available = await json(await ops.get("/drivers?availability=available"));
    expect(available.drivers.map((d: any) => d.id)).toEqual([ready.id]);
    const offlineCentral = await json(await ops.get(`/drivers?zoneId=${zone.id}&availability=offline`));
    expect(offlineCentral.drivers.map((d: any) => d.id)).toEqual([central.id]);
    expect((await json(await ops.get(`/drivers?zoneId=${north.id}&availability=available`))).drivers).toEqual([]);

    const limited = await json(await ops.get("/drivers?limit=2"));
    expect(limited.drivers).toHaveLength(2);
  });

  it("rejects bad filters with 400, an unknown zone with 404, and drivers/service with 403", async () => {
    const { org, ops, service, addDriver } = await newOrg();
    const driver = await addDriver();
    await expectValidationError(await ops.get("/drivers?availability=sleeping"), "query.availability");
    await expectValidationError(await ops.get("/drivers?zoneId=central"), "query.zoneId");
    await expectValidationError(await ops.get("/drivers?limit=0"), "query.limit");
    await expectValidationError(await ops.get("/drivers?sort=name"), "query.sort");
    await expectError(await ops.get(`/drivers?zoneId=${crypto.randomUUID()}`), 404);
    expect((await expectError(await service.get("/drivers"), 403)).message).toContain("Forbidden");
    expect((await expectError(await driver.client.get("/drivers"), 403)).message).toContain("Forbidden");
    expect((await expectError(await (await client("driver", org)).get("/drivers"), 403)).message).toContain("Forbidden");
  });

  it("rejects an SQL injection attempt in the query with 400 Validation failed, and still lists afterwards", async () => {
    const { ops, addDriver } = await newOrg();
    const driver = await addDriver();
    const injection = "' ; DROP TABLE drivers; --";
    const encoded = await ops.get(`/drivers?id=${encodeURIComponent(injection)}`);
    const payload = await expectValidationError(encoded, "query.id");
    expect(payload.message).toContain("Validation failed");
    await expectValidationError(await ops.get(`/drivers?id=${injection}`), "query.id");
    await expectValidationError(await ops.get(`/drivers?zoneId=${encodeURIComponent(injection)}`), "query.zoneId");
    expect((await json(await ops.get("/drivers"))).drivers.map((d: any) => d.id)).toEqual([driver.id]);
  });
});

describe("tokens naming drivers", () => {
  it("lets a driver token act only on its own id across the driver routes", async () => {
    const { addDriver } = await newOrg();
    const a = await addDriver();
    const b = await addDriver();
    for (const [method, path, body] of [
      ["get", `/drivers/${a.id}/availability/history`, undefined],
      ["post", `/drivers/${a.id}/availability/resume`, {}],
      ["post", `/drivers/${a.id}/availability/take-break`, { durationMinutes: 10 }],
      ["post", `/drivers/${a.id}/availability/end-shift`, {}],
    ] as const) {
      const res = method === "get" ? await b.client.get(path) : await b.client.post(path, body);
      expect((await expectError(res, 403)).message).toContain("Forbidden");
    }
    expect((await json(await a.client.get(`/drivers/${a.id}`))).availability).toBe("offline");
    expect((await json(await a.client.get(`/drivers/${a.id}/availability/history`))).history).toEqual([]);
  });
});
