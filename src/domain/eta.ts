import type { ZoneSettings } from "../contracts/zones";
import { type LatLon, haversineKm } from "./geo";
import type { DeliveryRecord } from "./model";

export interface Eta {
  pickupAt: number;
  deliveryAt: number;
  /** 0–1: how far the estimate may be trusted; it shrinks with the distance still to cover. */
  confidence: number;
}

/** Hours to cover `km` at the zone's average speed: the one travel-time rule of ETAs and offers. */
export const travelHours = (km: number, settings: ZoneSettings) => km / settings.avgSpeedKmh;

const travelMs = (km: number, settings: ZoneSettings) => travelHours(km, settings) * 3_600_000;

/**
 * Pickup and delivery times from the driver's position, at the zone's average speed. Before
 * pickup the driver cannot leave before the order is ready (created + prep time); after pickup
 * only the way to the dropoff remains. Confidence starts at 0.95 and drops 0.03 per km left,
 * never below 0.5.
 */
export function estimateEta(
  delivery: DeliveryRecord,
  driverAt: LatLon,
  settings: ZoneSettings,
  now: number,
  pickedUpAt: number | null,
): Eta {
  const tripMs = travelMs(haversineKm(delivery.pickup, delivery.dropoff), settings);
  if (pickedUpAt !== null) {
    const remainingKm = haversineKm(driverAt, delivery.dropoff);
    return { pickupAt: pickedUpAt, deliveryAt: now + travelMs(remainingKm, settings), confidence: confidenceFor(remainingKm) };
  }
  const toPickupKm = haversineKm(driverAt, delivery.pickup);
  const readyAt = Date.parse(delivery.createdAt) + delivery.estimatedPrepTimeMinutes * 60_000;
  const pickupAt = Math.max(now + travelMs(toPickupKm, settings), readyAt);
  return {
    pickupAt,
    deliveryAt: pickupAt + tripMs,
    confidence: confidenceFor(toPickupKm + haversineKm(delivery.pickup, delivery.dropoff)),
  };
}

function confidenceFor(remainingKm: number): number {
  return Math.round(Math.max(0.5, 0.95 - 0.03 * remainingKm) * 100) / 100;
}
