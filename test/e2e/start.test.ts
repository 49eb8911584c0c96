// End to end: the README's `npm start`, over real HTTP, with a fresh local state directory.
// The harness (test/e2e/server.ts) spawns `npm start` in its own process group, waits for
// /v2/health, and in afterAll signals the whole group (SIGINT like Ctrl-C, then SIGTERM, then
// SIGKILL) and checks that no process of it (npm, node, wrangler, workerd) is left.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Server, startServer, token } from "./server";

const DEMO_ORG_ID = "6f1c3f1e-0d7a-4c47-9c0a-1d2f3e4a5b6c"; // scripts/seed-demo.mjs
const DEMO_ZONE_NAME = "Demo: Central Bengaluru";

let server: Server | undefined;
let baseUrl = "";
let output = () => "";
const request = (method: string, urlPath: string, bearer: string, body?: unknown) => server!.request(method, urlPath, bearer, body);

beforeAll(async () => {
  server = await startServer();
  baseUrl = server.baseUrl;
  output = server.output;
});

afterAll(async () => {
  await server?.stop();
});

describe("npm start (README quick start)", () => {
  it("serves GET /v2/health", async () => {
    const res = await fetch(`${baseUrl}/v2/health`);
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body.status).toBe("ok");
    expect(typeof body.time).toBe("string");
  });

  it("announces itself and seeds the demo org", async () => {
    expect(output()).toContain(`Dispatch v2 listening on ${baseUrl}`);
    const admin = await token("admin", DEMO_ORG_ID);
    const res = await request("GET", "/v2/admin/zones", admin);
    expect(res.status, res.text).toBe(200);
    expect(Array.isArray(res.json?.zones)).toBe(true);
    expect(res.json.zones.length).toBeGreaterThanOrEqual(1);
    expect(res.json.zones.map((z: { name: string }) => z.name)).toContain(DEMO_ZONE_NAME);
    expect(output()).toContain(DEMO_ZONE_NAME);
  });

  it("prints a console link and a tracking link for the demo order, and both open", async () => {
    expect(output()).toContain(`ops console: ${baseUrl}/console`);
    const link = output().match(/tracking: {4}(\S+)/)?.[1];
    expect(link, output()).toMatch(new RegExp(`^${baseUrl}/track/DEMO-1001\\?token=[A-Za-z0-9_-]{43}$`));
    const page = await fetch(link!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Demo Bakery, Church Street");
    expect((await fetch(`${baseUrl}/console`)).status).toBe(200);
  });

  it("zone → driver → delivery → read back, for a new org", async () => {
    const org = randomUUID();
    const admin = await token("admin", org);
    const service = await token("service", org);

    const zone = await request("POST", "/v2/admin/zones", admin, {
      name: "E2E zone",
      polygon: {
        type: "Polygon",
        coordinates: [
          [
            [77.55, 12.9],
            [77.65, 12.9],
            [77.65, 13.0],
            [77.55, 13.0],
            [77.55, 12.9],
          ],
        ],
      },
    });
    expect(zone.status, zone.text).toBe(201);
    expect(typeof zone.json.id).toBe("string");
    expect(zone.json.name).toBe("E2E zone");
    const zoneId: string = zone.json.id;

    const driver = await request("POST", "/v2/admin/drivers", admin, {
      name: "E2E Driver",
      phone: "+919812345678",
      vehicle: "Honda Activa",
      vehicleType: "scooter",
      zoneId,
      location: { lat: 12.95, lon: 77.6 },
    });
    expect(driver.status, driver.text).toBe(201);
    expect(typeof driver.json.id).toBe("string");
    expect(driver.json.availability).toBe("offline");
    const driverId: string = driver.json.id;

    const sellerOrderId = `e2e-${randomUUID().slice(0, 8)}`;
    const delivery = await request("POST", "/v2/deliveries", service, {
      sellerOrderId,
      storeName: "E2E Store",
      pickup: { lat: 12.96, lon: 77.6 },
      dropoff: { lat: 12.98, lon: 77.62 },
    });
    expect(delivery.status, delivery.text).toBe(201);
    expect(typeof delivery.json.id).toBe("string");
    expect(delivery.json.status).toBe("ready");
    expect(delivery.json.zoneId).toBe(zoneId);
    expect(delivery.json.orderId).toBe(sellerOrderId);
    expect(typeof delivery.json.trackingToken).toBe("string");
    expect(delivery.json.trackingToken.length).toBeGreaterThan(0);
    expect(delivery.json.trackingUrl).toContain(`/track/${sellerOrderId}?token=`);
    const deliveryId: string = delivery.json.id;

    const readBack = await request("GET", `/v2/admin/deliveries/${deliveryId}`, admin);
    expect(readBack.status, readBack.text).toBe(200);
    expect(readBack.json.id).toBe(deliveryId);
    expect(readBack.json.status).toBe("ready"); // the only driver is offline: nothing to match

    const driverRead = await request("GET", `/v2/drivers/${driverId}`, admin);
    expect(driverRead.status, driverRead.text).toBe(200);
    expect(driverRead.json.id).toBe(driverId);
    expect(driverRead.json.name).toBe("E2E Driver");
    expect(driverRead.json.availability).toBe("offline");
    expect(driverRead.json.zoneId).toBe(zoneId);
  });
});
