/*
 * Request bodies the API reference shows as examples. Each one is parsed with its route's own
 * schema by test/worker/openapi-document.test.ts, so an example cannot go stale.
 */

const ZONE = "3f0c8a52-6a8e-4c1b-9a55-0d7c2b1e4f10";
const DRIVER = "9b2e4f6a-1c3d-4e5f-8a7b-6c5d4e3f2a1b";

export const EXAMPLES = {
  createZone: {
    name: "Central Bengaluru",
    polygon: { type: "Polygon", coordinates: [[[77.55, 12.9], [77.65, 12.9], [77.65, 13.0], [77.55, 13.0], [77.55, 12.9]]] },
    timezone: "Asia/Kolkata",
  },
  createDriver: {
    name: "Asha Rao",
    phone: "+919800000001",
    vehicle: "Honda Activa KA-01-AB-1234",
    vehicleType: "scooter",
    zoneId: ZONE,
    location: { lat: 12.9716, lon: 77.5946 },
  },
  createDelivery: {
    sellerOrderId: "order-1001",
    storeName: "MG Road Store",
    pickup: { lat: 12.975, lon: 77.605 },
    dropoff: { lat: 12.9352, lon: 77.6245 },
    priority: 60,
    customer: { name: "Priya Nair", phone: "+919811112222" },
  },
  manualOffer: { driverId: DRIVER },
  acceptOffer: { acceptedAt: "2026-12-01T10:00:05.000Z" },
  location: { lat: 12.9721, lon: 77.5952, accuracyMeters: 8, speed: 6.5, heading: 90, recordedAt: "2026-12-01T10:00:00.000Z" },
  deliveryStatus: { status: "picked_up" },
  escalate: { level: 1, reason: "VIP customer", notes: "call the store" },
} as const;
