import type { ErrorBody } from "../../src/contracts/errors";
import { describe, expect, it } from "vitest";
import { BENGALURU, client, json, newOrg, send } from "../helpers/api";
import { squarePolygon } from "../helpers/geometry";
import { expectError } from "../helpers/expect-error";
import { mintToken, unsignedToken } from "../helpers/tokens";

const expectUnauthorized = async (res: Response, path?: string) => {
  const payload = await expectError(res, 401, path);
  expect(payload.message).toContain("Unauthorized");
  expect(payload.error).toBe("Unauthorized");
};

const expectForbidden = async (res: Response, path?: string) => {
  const payload = await expectError(res, 403, path);
  expect(payload.message).toContain("Forbidden");
  expect(payload.error).toBe("Forbidden");
};

const expectValidation = async (res: Response, path?: string) => {
  const payload = await expectError(res, 400, path);
  expect(payload.message).toMatch(/^Validation failed/);
  return payload;
};

const order = (overrides: Record<string, unknown> = {}) => ({
  sellerOrderId: `ORD-${crypto.randomUUID().slice(0, 8)}`,
  storeName: "Downtown Market",
  pickup: { lat: 12.96, lon: 77.61 },
  dropoff: { lat: 12.98, lon: 77.63 },
  ...overrides,
});

describe("authentication on real routes", () => {
  const org = crypto.randomUUID();

  const badCredentials: [string, () => Promise<string | undefined>][] = [
    ["no token", async () => undefined],
    ["an empty Bearer", async () => "Bearer "],
    ["a Basic header", async () => "Basic YWRtaW46YWRtaW4="],
    ["a garbage token", async () => "Bearer garbage"],
    ["a three-part garbage token", async () => "Bearer aaa.bbb.ccc"],
    ["a bad signature", async () => `Bearer ${await mintToken({ role: "admin", org, secret: "not-the-secret" })}`],
    ["alg none", async () => `Bearer ${unsignedToken({ role: "admin", org })}`],
    ["an HS384 token", async () => `Bearer ${await mintToken({ role: "admin", org, alg: "HS384" })}`],
    ["an expired token", async () => `Bearer ${await mintToken({ role: "admin", org, expSeconds: -120 })}`],
    ["a wrong audience", async () => `Bearer ${await mintToken({ role: "admin", org, aud: "billing-api" })}`],
    ["a wrong issuer", async () => `Bearer ${await mintToken({ role: "admin", org, iss: "evil" })}`],
    ["an unknown role", async () => `Bearer ${await mintToken({ role: "root", org })}`],
    ["a token without org", async () => `Bearer ${await mintToken({ role: "admin", org, omit: ["org"] })}`],
  ];

  const routes: [string, string, unknown?][] = [
    ["GET", "/admin/zones"],
    ["POST", "/admin/zones", { name: "Z", polygon: squarePolygon(BENGALURU) }],
    ["GET", `/drivers/${crypto.randomUUID()}`],
    ["GET", "/drivers"],
    ["POST", "/deliveries", order()],
    ["GET", `/admin/deliveries/${crypto.randomUUID()}/audit`],
    ["PATCH", `/admin/zones/${crypto.randomUUID()}/settings`, { offerTimeoutSeconds: 40 }],
  ];

  it.each(badCredentials)("answers 401 Unauthorized for %s on every route", async (_, authorization) => {
    const header = await authorization();
    for (const [method, path, body] of routes) {
      await expectUnauthorized(await send(method, path, header, body), `/v2${path.split("?")[0]}`);
    }
  });

  it("checks credentials before the body: an invalid body without a token is still 401", async () => {
    await expectUnauthorized(await send("POST", "/admin/zones", undefined, { name: 42 }));
    await expectUnauthorized(await send("POST", "/deliveries", "Bearer nope", { priority: 0 }));
    await expectUnauthorized(await send("GET", "/drivers/not-a-uuid"));
  });

  it("creates nothing for a rejected token", async () => {
    const expired = await mintToken({ role: "admin", org, expSeconds: -120 });
    await expectUnauthorized(await send("POST", "/admin/zones", `Bearer ${expired}`, { name: "Z", polygon: squarePolygon(BENGALURU) }));
    const admin = await client("admin", org);
    expect((await json(await admin.get("/admin/zones"))).zones).toEqual([]);
  });

  it("lets an organization exist as soon as a valid token names it", async () => {
    const fresh = await client("ops", crypto.randomUUID());
    const res = await fresh.get("/admin/zones");
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ zones: [] });
    expect(await json(await fresh.get("/drivers"))).toEqual({ drivers: [] });
  });
});

describe("roles on real routes", () => {
  it("answers 403 Forbidden to each role outside the route's list", async () => {
    const { org, zone, addDriver, addDelivery } = await newOrg();
    const driver = await addDriver();
    const delivery = await addDelivery();
    const service = await client("service", org);
    const ops = await client("ops", org);
    const newZone = { name: "Z", polygon: squarePolygon({ lat: 13.3, lon: 77.6 }) };
    const newDriver = { name: "D", phone: "+919876543210", vehicle: "Bike", zoneId: zone.id };

    const cases: [string, Response][] = [
      ["service lists zones", await service.get("/admin/zones")],
      ["service reads a zone", await service.get(`/admin/zones/${zone.id}`)],
      ["service lists drivers", await service.get("/drivers")],
      ["service reads a driver", await service.get(`/drivers/${driver.id}`)],
      ["service reads a delivery", await service.get(`/admin/deliveries/${delivery.id}`)],
      ["service reads an audit", await service.get(`/admin/deliveries/${delivery.id}/audit`)],
      ["service pauses a driver", await service.post(`/admin/drivers/${driver.id}/pause`, {})],
      ["ops creates a zone", await ops.post("/admin/zones", newZone)],
      ["ops changes settings", await ops.patch(`/admin/zones/${zone.id}/settings`, { offerTimeoutSeconds: 40 })],
      ["ops creates a driver", await ops.post("/admin/drivers", newDriver)],
      ["ops edits a driver", await ops.patch(`/admin/drivers/${driver.id}`, { vehicle: "Car" })],
      ["driver lists zones", await driver.client.get("/admin/zones")],
      ["driver reads its zone", await driver.client.get(`/admin/zones/${zone.id}`)],
      ["driver reads a delivery", await driver.client.get(`/admin/deliveries/${delivery.id}`)],
      ["driver reads an audit", await driver.client.get(`/admin/deliveries/${delivery.id}/audit`)],
      ["driver pauses itself", await driver.client.post(`/admin/drivers/${driver.id}/pause`, {})],
      ["driver edits itself", await driver.client.patch(`/admin/drivers/${driver.id}`, { vehicle: "Car" })],
      ["driver creates a delivery", await driver.client.post("/deliveries", order())],
      ["driver cancels a delivery", await driver.client.post(`/deliveries/${delivery.id}/cancel`, { reason: "x" })],
      ["driver lists drivers", await driver.client.get("/drivers")],
    ];
    for (const [what, res] of cases) {
      expect(res.status, what).toBe(403);
      const payload = await json<ErrorBody>(res);
      expect(payload.message, what).toContain("Forbidden");
    }

    // Nothing any of them tried happened.
    const admin = await client("admin", org);
    expect((await json(await admin.get("/admin/zones"))).zones).toHaveLength(1);
    expect((await json(await admin.get(`/admin/zones/${zone.id}`))).settings.offerTimeoutSeconds).toBe(30);
    expect((await json(await admin.get("/drivers"))).drivers).toHaveLength(1);
    expect(await json(await admin.get(`/drivers/${driver.id}`))).toMatchObject({ vehicle: "Honda Activa", availability: "offline" });
    expect((await json(await admin.get(`/admin/deliveries/${delivery.id}`))).status).toBe("ready");
  });

  it("keeps a driver to its own /v2/drivers/{sub}/… routes", async () => {
    const { zone, addDriver } = await newOrg();
    const me = await addDriver();
    const other = await addDriver();
    const mine = [
      await me.client.get(`/drivers/${me.id}`),
      await me.client.get(`/drivers/${me.id}/availability/history`),
      await me.client.post(`/drivers/${me.id}/location`, { lat: 12.95, lon: 77.6 }),
      await me.client.put(`/drivers/${me.id}/zone-preferences`, { preferences: [{ zoneId: zone.id, preference: "PREFERRED" }] }),
      await me.client.post(`/drivers/${me.id}/availability/resume`),
    ];
    expect(mine.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);

    const theirs = [
      await me.client.get(`/drivers/${other.id}`),
      await me.client.get(`/drivers/${other.id}/availability/history`),
      await me.client.post(`/drivers/${other.id}/location`, { lat: 12.95, lon: 77.6 }),
      await me.client.put(`/drivers/${other.id}/zone-preferences`, { preferences: [] }),
      await me.client.post(`/drivers/${other.id}/availability/resume`),
    ];
    for (const res of theirs) await expectForbidden(res);
    expect(await json(await other.client.get(`/drivers/${other.id}`))).toMatchObject({
      availability: "offline",
      location: other.location,
      zonePreferences: [],
    });
  });
});

describe("check order 401 → 400 → 403 → 404 → 409", () => {
  it("walks the ladder on real routes", async () => {
    const { org, zone, ops, service, addDelivery } = await newOrg();
    const driver = await client("driver", org);
    const validZone = { name: "Z", polygon: squarePolygon({ lat: 13.3, lon: 77.6 }) };

    // 401 beats 400: no token, invalid body.
    await expectUnauthorized(await send("POST", "/admin/zones", undefined, { name: "" }));
    // 400 beats 403: a driver token and an invalid body on an admin route.
    const invalid = await expectValidation(await driver.post("/admin/zones", { name: "", polygon: { type: "Point" } }), "/v2/admin/zones");
    expect(invalid.details!.map((d) => d.path)).toContain("body.name");
    await expectValidation(await driver.get("/admin/deliveries/not-a-uuid"));
    await expectValidation(await service.patch(`/admin/zones/${zone.id}/settings`, { offerTimeoutSeconds: 1 }));
    // 403 once the body is valid.
    await expectForbidden(await driver.post("/admin/zones", validZone), "/v2/admin/zones");
    // 403 beats 404: the driver names an unknown delivery / zone.
    await expectForbidden(await driver.get(`/admin/deliveries/${crypto.randomUUID()}`));
    await expectForbidden(await service.patch(`/admin/zones/${crypto.randomUUID()}/settings`, { offerTimeoutSeconds: 40 }));
    // 400 beats 404: ops with a malformed id.
    await expectValidation(await ops.get("/admin/deliveries/123"));
    // 404 for an allowed caller naming an unknown id.
    await expectError(await ops.get(`/admin/deliveries/${crypto.randomUUID()}`), 404);
    await expectError(await ops.get(`/admin/zones/${crypto.randomUUID()}`), 404);
    // 404 beats 409: cancelling an unknown delivery.
    await expectError(await service.post(`/deliveries/${crypto.randomUUID()}/cancel`, { reason: "x" }), 404);
    // 409 last: a real delivery in a state that forbids the move.
    const delivery = await addDelivery();
    expect((await service.post(`/deliveries/${delivery.id}/cancel`, { reason: "x" })).status).toBe(200);
    await expectError(await service.post(`/deliveries/${delivery.id}/cancel`, { reason: "x" }), 409);
    // …but a 403 still beats that 409, and a 400 beats the 403.
    await expectForbidden(await driver.post(`/deliveries/${delivery.id}/cancel`, { reason: "x" }));
    await expectValidation(await driver.post(`/deliveries/${delivery.id}/cancel`, {}));
  });

  it("checks the driver's identity before the state: another driver's illegal move is 403, its own is 409", async () => {
    const { addDriver } = await newOrg();
    const a = await addDriver();
    const b = await addDriver();
    // offline → on_break is illegal (409) for a itself…
    await expectError(await a.client.post(`/drivers/${a.id}/availability/take-break`, { durationMinutes: 10 }), 409);
    // …and 403 for b, who may not act on a at all.
    await expectForbidden(await b.client.post(`/drivers/${a.id}/availability/take-break`, { durationMinutes: 10 }));
    // A malformed body is 400 before either.
    await expectValidation(await b.client.post(`/drivers/${a.id}/availability/take-break`, { durationMinutes: 0 }));
  });
});

describe("tenant isolation", () => {
  it("never shows or changes org A's zones, drivers or deliveries to org B", async () => {
    const a = await newOrg();
    const driver = await a.addDriver();
    const delivery = await a.addDelivery({ dispatch: "manual" });
    const zoneBefore = await json(await a.admin.get(`/admin/zones/${a.zone.id}`));
    const driverBefore = await json(await a.admin.get(`/drivers/${driver.id}`));
    const deliveryBefore = await json(await a.admin.get(`/admin/deliveries/${delivery.id}`));

    // Org B has its own admin and ops, and no zone in A's area.
    const bOrg = crypto.randomUUID();
    const bAdmin = await client("admin", bOrg);
    const bOps = await client("ops", bOrg);
    const bService = await client("service", bOrg);

    for (const reader of [bAdmin, bOps]) {
      // Zones
      expect((await json(await reader.get("/admin/zones"))).zones).toEqual([]);
      await expectError(await reader.get(`/admin/zones/${a.zone.id}`), 404);
      // Drivers
      await expectError(await reader.get(`/drivers/${driver.id}`), 404);
      expect((await json(await reader.get("/drivers"))).drivers).toEqual([]);
      expect((await json(await reader.get("/drivers?availability=offline"))).drivers).toEqual([]);
      await expectError(await reader.get(`/drivers?zoneId=${a.zone.id}`), 404);
      await expectError(await reader.get(`/drivers/${driver.id}/availability/history`), 404);
      await expectError(await reader.post(`/drivers/${driver.id}/location`, { lat: 12.9, lon: 77.5 }), 404);
      await expectError(await reader.post(`/drivers/${driver.id}/availability/resume`), 404);
      await expectError(await reader.post(`/admin/drivers/${driver.id}/pause`, {}), 404);
      await expectError(await reader.put(`/drivers/${driver.id}/zone-preferences`, { preferences: [] }), 404);
      // Deliveries
      await expectError(await reader.get(`/admin/deliveries/${delivery.id}`), 404);
      await expectError(await reader.get(`/admin/deliveries/${delivery.id}/audit`), 404);
      await expectError(await reader.post(`/deliveries/${delivery.id}/cancel`, { reason: "not yours" }), 404);
    }
    // Admin-only writes.
    await expectError(await bAdmin.patch(`/admin/zones/${a.zone.id}/settings`, { offerTimeoutSeconds: 99 }), 404);
    await expectError(await bAdmin.patch(`/admin/drivers/${driver.id}`, { vehicle: "Stolen bike" }), 404);
    await expectError(
      await bAdmin.post("/admin/drivers", { name: "Mole", phone: "+919999999999", vehicle: "Bike", zoneId: a.zone.id }),
      404,
    );
    // Deliveries into A's zone: by id → 404; by point → B has no zone there → 422.
    await expectError(await bService.post("/deliveries", order({ zoneId: a.zone.id })), 404);
    await expectError(await bService.post("/deliveries", order()), 422);
    await expectError(await bService.post(`/deliveries/${delivery.id}/cancel`, { reason: "not yours" }), 404);

    // Org A's objects are exactly as they were.
    const zoneAfter = await json(await a.admin.get(`/admin/zones/${a.zone.id}`));
    // Health figures are computed at each read, and a waiting delivery's wait grows meanwhile.
    const unmoved = (z: any) => ({ ...z, health: { ...z.health, updatedAt: "-", avgWaitTimeSeconds: "-", healthScore: "-" } });
    expect(unmoved(zoneAfter)).toEqual(unmoved(zoneBefore));
    expect(await json(await a.admin.get(`/drivers/${driver.id}`))).toEqual(driverBefore);
    expect(await json(await a.admin.get(`/admin/deliveries/${delivery.id}`))).toEqual(deliveryBefore);
    expect((await json(await a.admin.get("/drivers"))).drivers.map((d: any) => d.id)).toEqual([driver.id]);
    expect((await json(await a.admin.get(`/drivers/${driver.id}/availability/history`))).history).toEqual([]);
    const audit = await json(await a.ops.get(`/admin/deliveries/${delivery.id}/audit`));
    expect(audit.events.map((e: any) => e.eventType)).toEqual(["created"]);
  });

  it("keeps B's own objects apart from A's even where they overlap in space and ids", async () => {
    const a = await newOrg();
    const b = await newOrg();
    const aDriver = await a.addDriver();
    const bDriver = await b.addDriver();
    const sellerOrderId = `SHARED-${crypto.randomUUID().slice(0, 8)}`;
    const aDelivery = await a.addDelivery({ sellerOrderId });
    const bDelivery = await b.addDelivery({ sellerOrderId });
    expect(bDelivery.zoneId).toBe(b.zone.id);
    expect(aDelivery.zoneId).toBe(a.zone.id);

    expect((await json(await b.ops.get("/admin/zones"))).zones.map((z: any) => z.id)).toEqual([b.zone.id]);
    expect((await json(await b.ops.get("/drivers"))).drivers.map((d: any) => d.id)).toEqual([bDriver.id]);
    expect((await json(await a.ops.get("/drivers"))).drivers.map((d: any) => d.id)).toEqual([aDriver.id]);

    // B cancels its own order; A's twin stays ready.
    expect((await b.service.post(`/deliveries/${bDelivery.id}/cancel`, { reason: "b only" })).status).toBe(200);
    expect((await json(await a.ops.get(`/admin/deliveries/${aDelivery.id}`))).status).toBe("ready");
    expect((await json(await a.ops.get(`/admin/zones/${a.zone.id}`))).health.pendingDeliveries).toBe(1);
    expect((await json(await b.ops.get(`/admin/zones/${b.zone.id}`))).health.pendingDeliveries).toBe(0);

    // A driver token of org B cannot reach org A's delivery through its own driver route.
    await expectError(
      await bDriver.client.post(`/drivers/${bDriver.id}/deliveries/${aDelivery.id}/status`, { status: "picked_up" }),
      404,
    );
    // Nor A's driver, even claiming A's driver id as its sub.
    const impostor = await client("driver", b.org, aDriver.id);
    await expectError(await impostor.get(`/drivers/${aDriver.id}`), 404);
    await expectError(await impostor.post(`/drivers/${aDriver.id}/availability/resume`), 404);
    expect((await json(await a.ops.get(`/drivers/${aDriver.id}`))).availability).toBe("offline");
  });
});

describe("idempotency on POST /v2/deliveries", () => {
  // These are the file's last writes: let their zones finish the outbox flush the writes
  // scheduled, so no alarm is still running against D1 while the test worker tears down
  // (which otherwise, now and then, logs "Closing rpc while \"resolve\" was pending").
  it("replays the first answer for the same key and body; only one delivery exists", async () => {
    const o = await newOrg();
    const { service, ops, zone } = o;
    const key = `create-${crypto.randomUUID()}`;
    const body = order({ dispatch: "manual" });

    const first = await service.post("/deliveries", body, { "Idempotency-Key": key });
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const firstText = await first.text();
    const created = JSON.parse(firstText);

    const second = await service.post("/deliveries", body, { "Idempotency-Key": key });
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await second.text()).toBe(firstText);

    // One delivery: the zone counts one pending, and the audit has a single `created`.
    expect((await json(await ops.get(`/admin/zones/${zone.id}`))).health.pendingDeliveries).toBe(1);
    const audit = await json(await ops.get(`/admin/deliveries/${created.id}/audit`));
    expect(audit.events.map((e: any) => e.eventType)).toEqual(["created"]);
    // Without the key the same body really is a second create, refused on its orderId.
    await expectError(await service.post("/deliveries", body), 409);
    // A different key is a new request: the same 409.
    await expectError(await service.post("/deliveries", body, { "Idempotency-Key": `${key}-b` }), 409);
  });

  it("answers 422 for the same key with a different body, and creates nothing", async () => {
    const o = await newOrg();
    const { service, ops, zone } = o;
    const key = `create-${crypto.randomUUID()}`;
    const first = await service.post("/deliveries", order(), { "Idempotency-Key": key });
    expect(first.status).toBe(201);
    const other = order();
    const reused = await expectError(await service.post("/deliveries", other, { "Idempotency-Key": key }), 422);
    expect(reused.message).toContain("Idempotency-Key");
    expect((await json(await ops.get(`/admin/zones/${zone.id}`))).health.pendingDeliveries).toBe(1);
    // The other body was never created: it can still be created under a fresh key.
    expect((await service.post("/deliveries", other, { "Idempotency-Key": `${key}-2` })).status).toBe(201);
  });

  it("scopes keys per caller and org", async () => {
    const a = await newOrg();
    const b = await newOrg();
    const key = `shared-${crypto.randomUUID()}`;
    const body = order();
    const fromA = await a.service.post("/deliveries", body, { "Idempotency-Key": key });
    const fromB = await b.service.post("/deliveries", body, { "Idempotency-Key": key });
    expect(fromA.status).toBe(201);
    expect(fromB.status).toBe(201);
    expect(fromB.headers.get("idempotent-replayed")).toBeNull();
    expect((await json(fromB)).id).not.toBe((await json(fromA)).id);
  });
});
