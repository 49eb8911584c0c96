// Demo data for a fresh local service: one zone around central Bengaluru and three drivers in it.
// Used by scripts/start.mjs; reusable from tests and docs:
//
//   import { seedDemo } from "./scripts/seed-demo.mjs";
//   const result = await seedDemo("http://127.0.0.1:8787", adminToken);
//
// Idempotent per organization: if the token's org already has a zone, nothing is created.

/** A fixed demo tenant, so the printed token and the seeded data stay valid across restarts. */
export const DEMO_ORG_ID = "6f1c3f1e-0d7a-4c47-9c0a-1d2f3e4a5b6c";

export const DEMO_ZONE = Object.freeze({
  name: "Demo: Central Bengaluru",
  // GeoJSON: [lon, lat], ring closed.
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
  priorityLevel: 3,
  timezone: "Asia/Kolkata",
});

export const DEMO_DRIVERS = Object.freeze([
  {
    name: "Asha Rao",
    phone: "+919800000001",
    vehicle: "Honda Activa KA-01-AB-1234",
    vehicleType: "scooter",
    location: { lat: 12.9716, lon: 77.5946 }, // MG Road
  },
  {
    name: "Ravi Kumar",
    phone: "+919800000002",
    vehicle: "Bajaj Pulsar KA-03-CD-5678",
    vehicleType: "bike",
    location: { lat: 12.9352, lon: 77.6245 }, // Koramangala
  },
  {
    name: "Meera Iyer",
    phone: "+919800000003",
    vehicle: "Maruti Eeco KA-05-EF-9012",
    vehicleType: "van",
    location: { lat: 12.9784, lon: 77.6408 }, // Indiranagar
  },
]);

/** An order waiting in the demo zone, so the tracking page has something to show. */
export const DEMO_DELIVERY = Object.freeze({
  sellerOrderId: "DEMO-1001",
  storeName: "Demo Bakery, Church Street",
  pickup: { lat: 12.9752, lon: 77.6045 },
  dropoff: { lat: 12.9611, lon: 77.6387 },
  customer: { name: "Priya Nair", phone: "+919811112222" },
  dispatch: "manual",
});

/**
 * Create the demo zone, drivers and one order for the token's organization unless it already
 * has a zone. Answers the demo order's tracking link either way, when it can find one.
 * Throws on any unexpected HTTP answer (with the status and body in the message).
 *
 * @param {string} baseUrl e.g. "http://127.0.0.1:8787"
 * @param {string} token an admin token
 * @param {{ fetch?: typeof fetch }} [options]
 * @returns {Promise<{ created: boolean, zones: any[], zone?: any, drivers: any[], trackingUrl: string | null }>}
 */
export async function seedDemo(baseUrl, token, { fetch: doFetch = globalThis.fetch } = {}) {
  const base = baseUrl.replace(/\/+$/, "");

  async function call(method, path, body, expected) {
    const res = await doFetch(`${base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expected) {
      throw new Error(`${method} ${path} answered ${res.status} (expected ${expected}): ${text.slice(0, 500)}`);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path} answered ${res.status} with a non-JSON body: ${text.slice(0, 200)}`);
    }
  }

  const listed = await call("GET", "/v2/admin/zones", undefined, 200);
  const zones = Array.isArray(listed?.zones) ? listed.zones : null;
  if (!zones) throw new Error(`GET /v2/admin/zones returned no "zones" array: ${JSON.stringify(listed).slice(0, 200)}`);
  if (zones.length > 0) {
    // Already seeded: the order is still on the zone's board while it is not delivered.
    const board = await call("GET", `/v2/admin/zones/${zones[0].id}/board`, undefined, 200);
    const order = board.deliveries?.find((d) => d.sellerOrderId === DEMO_DELIVERY.sellerOrderId);
    return { created: false, zones, drivers: [], trackingUrl: order?.trackingUrl ?? null };
  }

  const zone = await call("POST", "/v2/admin/zones", DEMO_ZONE, 201);
  if (typeof zone?.id !== "string") throw new Error(`POST /v2/admin/zones returned no zone id: ${JSON.stringify(zone)}`);
  const drivers = [];
  for (const driver of DEMO_DRIVERS) {
    drivers.push(await call("POST", "/v2/admin/drivers", { ...driver, zoneId: zone.id }, 201));
  }
  const delivery = await call("POST", "/v2/deliveries", DEMO_DELIVERY, 201);
  return { created: true, zones: [zone], zone, drivers, trackingUrl: delivery.trackingUrl };
}
