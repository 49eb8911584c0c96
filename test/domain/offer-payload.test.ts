import { describe, expect, it } from "vitest";
import { DEFAULT_ZONE_SETTINGS, type ZoneSettings } from "../../src/contracts/zones";
import type { DeliveryRecord } from "../../src/domain/model";
import { offerManually } from "../../src/domain/offer-lifecycle";
import { offerPayload } from "../../src/domain/offer-payload";
import { OPS, T0, memoryZone } from "./zone-fixture";

/*
 * The payload numbers of docs/api-notes.md "Offers and dispatch", worked out by hand. The great-circle distance is
 * computed here independently of src/domain/geo.ts (atan2 form of the haversine, same sphere:
 * IUGG mean radius R1 = 6371.0088 km), and the figures it gives are also written out as literals.
 */
const R_KM = 6371.0088;
const rad = (deg: number) => (deg * Math.PI) / 180;
function greatCircleKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const h = Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * R_KM * Math.atan2(Math.sqrt(h), Math.sqrt(1 - h));
}

function delivery(fields: Pick<DeliveryRecord, "pickup" | "dropoff" | "estimatedPrepTimeMinutes">): DeliveryRecord {
  return {
    id: "00000000-0000-4000-8000-0000000000d1",
    orgId: "o",
    zoneId: "z",
    orderId: "order-1",
    sellerOrderId: "seller-1",
    sellerId: null,
    storeName: "Corner Store",
    priority: 50,
    requirements: {},
    customer: null,
    dispatch: "auto",
    status: "ready",
    statusReason: null,
    assignedDriverId: null,
    assignmentId: null,
    excludedDriverIds: [],
    autoOfferCount: 0,
    unassigned: null,
    trackingTokenHash: "h",
    auditVersion: 1,
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    ...fields,
  };
}

describe("offer payload", () => {
  const driverAt = { lat: 12.9, lon: 77.6 };
  const pickup = { lat: 12.91, lon: 77.61 };
  const dropoff = { lat: 12.95, lon: 77.65 };
  const settings: ZoneSettings = { ...DEFAULT_ZONE_SETTINGS, avgSpeedKmh: 25, baseFee: 40, perKmFee: 12 };

  it("matches the hand-computed figures for the reference trip", () => {
    // driver → pickup: 1.552803… km; pickup → dropoff: 6.210909… km (great circle).
    const toPickupKm = greatCircleKm(driverAt, pickup);
    const tripKm = greatCircleKm(pickup, dropoff);
    expect(toPickupKm).toBeCloseTo(1.5528031, 6);
    expect(tripKm).toBeCloseTo(6.2109096, 6);

    // travel to pickup = 1.552803 km / 25 km/h = 223.6036 s; prep = 5 min = 300 s.
    const toPickupSeconds = (toPickupKm / 25) * 3600;
    const prepSeconds = 5 * 60;
    expect(toPickupSeconds).toBeCloseTo(223.6036, 3);
    // pickup minutes = ceil((223.6036 + 300) / 60) = ceil(8.7267) = 9
    expect(Math.ceil((toPickupSeconds + prepSeconds) / 60)).toBe(9);
    // delivery = now + 223.6036 + 300 + 6.210910 / 25 × 3600 (= 894.3710) s = now + 1417.975 s
    const deliveryMs = Math.round((toPickupSeconds + prepSeconds + (tripKm / 25) * 3600) * 1000);
    expect(deliveryMs).toBe(1_417_975);
    // earning = 40 + 12 × (1.552803 + 6.210910) = 40 + 93.164553 = 133.164553 → 133.16
    expect(Math.round((40 + 12 * (toPickupKm + tripKm)) * 100) / 100).toBe(133.16);

    const payload = offerPayload(delivery({ pickup, dropoff, estimatedPrepTimeMinutes: 5 }), driverAt, settings, T0);
    expect(payload).toEqual({
      pickupLocation: pickup,
      pickupStoreName: "Corner Store",
      estimatedPickupTimeMin: 9,
      estimatedDeliveryTime: "2026-02-01T10:23:37.975Z",
      estimatedDistanceKm: 1.55,
      estimatedEarning: 133.16,
    });
  });

  it("uses the zone's own speed and fees, with no prep time", () => {
    // driver (13.0, 77.5) → pickup (12.97, 77.59): 10.306437 km; pickup → dropoff (12.9, 77.7): 14.237185 km.
    const from = { lat: 13.0, lon: 77.5 };
    const at = { lat: 12.97, lon: 77.59 };
    const to = { lat: 12.9, lon: 77.7 };
    expect(greatCircleKm(from, at)).toBeCloseTo(10.3064372, 6);
    expect(greatCircleKm(at, to)).toBeCloseTo(14.2371854, 6);
    const zoneSettings: ZoneSettings = { ...DEFAULT_ZONE_SETTINGS, avgSpeedKmh: 30, baseFee: 25.5, perKmFee: 7.25 };
    const payload = offerPayload(delivery({ pickup: at, dropoff: to, estimatedPrepTimeMinutes: 0 }), from, zoneSettings, T0);
    // pickup minutes = ceil(10.306437 / 30 × 60) = ceil(20.6129) = 21
    // delivery = now + (10.306437 + 14.237185) / 30 h = now + 2945.235 s → 10:49:05.235
    // earning = 25.5 + 7.25 × 24.543623 = 203.441264 → 203.44
    expect(payload).toMatchObject({
      estimatedPickupTimeMin: 21,
      estimatedDeliveryTime: "2026-02-01T10:49:05.235Z",
      estimatedDistanceKm: 10.31,
      estimatedEarning: 203.44,
    });
  });

  it("rounds pickup minutes up, even for a small fraction of a minute", () => {
    // driver (12.9, 77.6) → pickup (12.9045, 77.6): 0.0045° of latitude = 0.500378 km → 72.054 s at 25 km/h.
    const near = { lat: 12.9045, lon: 77.6 };
    expect(greatCircleKm(driverAt, near)).toBeCloseTo(0.5003779, 6);
    const payload = offerPayload(delivery({ pickup: near, dropoff: pickup, estimatedPrepTimeMinutes: 5 }), driverAt, settings, T0);
    // pickup minutes = ceil((72.054 + 300) / 60) = ceil(6.2009) = 7 (not 6)
    // trip (12.9045, 77.6) → (12.91, 77.61) = 1.244493 km → 179.207 s; delivery = now + 551.261 s
    // earning = 40 + 12 × (0.500378 + 1.244493) = 60.938453 → 60.94
    expect(payload).toMatchObject({
      estimatedPickupTimeMin: 7,
      estimatedDeliveryTime: "2026-02-01T10:09:11.261Z",
      estimatedDistanceKm: 0.5,
      estimatedEarning: 60.94,
    });
  });

  it("at the pickup itself: distance 0, pickup time is the prep time, earning covers the trip only", () => {
    const payload = offerPayload(delivery({ pickup, dropoff, estimatedPrepTimeMinutes: 5 }), pickup, settings, T0);
    // trip 6.210910 km → 894.3710 s; 300 s prep; earning 40 + 12 × 6.210910 = 114.530915 → 114.53
    expect(payload).toMatchObject({
      estimatedPickupTimeMin: 5,
      estimatedDeliveryTime: "2026-02-01T10:19:54.371Z",
      estimatedDistanceKm: 0,
      estimatedEarning: 114.53,
    });
  });

  it("is what an offer made in a zone carries, priced from the driver's position at that moment", () => {
    const z = memoryZone({ avgSpeedKmh: 25, baseFee: 40, perKmFee: 12 });
    const driver = z.addOnlineDriver(T0, { location: driverAt });
    const d = z.addDelivery(T0, { pickup, dropoff, estimatedPrepTimeMinutes: 5, dispatch: "manual" });
    const offer = z.run(T0, (tx) => offerManually(tx, d.id, driver.id, undefined, OPS));
    expect(offer.payload).toEqual({
      pickupLocation: pickup,
      pickupStoreName: "Corner Store",
      estimatedPickupTimeMin: 9,
      estimatedDeliveryTime: "2026-02-01T10:23:37.975Z",
      estimatedDistanceKm: 1.55,
      estimatedEarning: 133.16,
    });
    expect(offer.expiresAt).toBe("2026-02-01T10:00:30.000Z");
  });

  it("prices a driver with no known position from the pickup (distance 0)", () => {
    const z = memoryZone({ avgSpeedKmh: 25, baseFee: 40, perKmFee: 12 });
    const driver = z.addDriver(T0, { location: null });
    z.run(T0, (tx) => tx.putDriver({ ...tx.requireDriver(driver.id), availability: "available" }));
    const d = z.addDelivery(T0, { pickup, dropoff, estimatedPrepTimeMinutes: 5, dispatch: "manual" });
    const offer = z.run(T0, (tx) => offerManually(tx, d.id, driver.id, 60, OPS));
    expect(offer.payload).toMatchObject({ estimatedDistanceKm: 0, estimatedPickupTimeMin: 5, estimatedEarning: 114.53 });
    expect(offer.expiresAt).toBe("2026-02-01T10:01:00.000Z");
  });
});
