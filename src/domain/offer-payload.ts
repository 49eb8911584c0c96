import type { LatLon } from "./geo";
import { haversineKm } from "./geo";
import type { OfferPayload } from "../contracts/offers";
import type { ZoneSettings } from "../contracts/zones";
import { travelHours } from "./eta";
import type { DeliveryRecord } from "./model";
import { iso } from "./model";

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Seconds to cover `km`, scaled from hours: via ms, rounding would tip some ceiled minutes (23.25 km at 5 km/h). */
const travelSeconds = (km: number, settings: ZoneSettings) => travelHours(km, settings) * 3600;

/**
 * The numbers a driver sees (docs/api-notes.md "Offers and dispatch"):
 * - distance: great-circle km from the driver to the pickup, rounded to 2 decimals;
 * - pickup minutes: ceil((travel to pickup + prep) / 60), travel at the zone's avgSpeedKmh;
 * - delivery time: now + travel to pickup + prep + travel pickup → dropoff;
 * - earning: baseFee + perKmFee × (driver → pickup + pickup → dropoff km), 2 decimals.
 * Unrounded distances feed the time and money figures; only what is shown is rounded.
 */
export function offerPayload(delivery: DeliveryRecord, driverAt: LatLon, settings: ZoneSettings, now: number): OfferPayload {
  const toPickupKm = haversineKm(driverAt, delivery.pickup);
  const tripKm = haversineKm(delivery.pickup, delivery.dropoff);
  const toPickupSeconds = travelSeconds(toPickupKm, settings);
  const prepSeconds = delivery.estimatedPrepTimeMinutes * 60;
  const deliverySeconds = toPickupSeconds + prepSeconds + travelSeconds(tripKm, settings);
  return {
    pickupLocation: delivery.pickup,
    pickupStoreName: delivery.storeName,
    estimatedPickupTimeMin: Math.ceil((toPickupSeconds + prepSeconds) / 60),
    estimatedDeliveryTime: iso(now + Math.round(deliverySeconds * 1000)),
    estimatedDistanceKm: round2(toPickupKm),
    estimatedEarning: round2(settings.baseFee + settings.perKmFee * (toPickupKm + tripKm)),
  };
}
