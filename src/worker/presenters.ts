import type { DeliveryView } from "../contracts/deliveries";
import type { DriverView } from "../contracts/drivers";
import type { ZoneView } from "../contracts/zones";
import type { AssignmentRecord, DeliveryRecord, DriverRecord, OfferRecord, ZoneConfig } from "../domain/model";
import { iso } from "../domain/model";
import { phoneSeenBy } from "../domain/phone";
import type { Caller } from "./app-env";

/** API shapes of the zone's records: what each reader may see, nothing internal. */

export function zoneView(zone: ZoneConfig): ZoneView {
  const { orgId: _org, ...view } = zone;
  return view;
}

export function driverView(driver: DriverRecord, reader: Caller): DriverView {
  return {
    id: driver.id,
    zoneId: driver.zoneId,
    name: driver.name,
    phone: phoneSeenBy(driver, { role: reader.role, id: reader.sub }),
    vehicle: driver.vehicle,
    vehicleType: driver.vehicleType,
    capabilities: driver.capabilities,
    rating: driver.rating,
    availability: driver.availability,
    availabilityUntil: driver.availabilityUntil,
    availabilityReason: driver.availabilityReason,
    location: driver.location,
    lastSeenAt: driver.lastSeenAt === null ? null : iso(driver.lastSeenAt),
    zonePreferences: Object.entries(driver.zonePreferences).map(([zoneId, preference]) => ({ zoneId, preference })),
    createdAt: driver.createdAt,
    updatedAt: driver.updatedAt,
  };
}

/**
 * `<PUBLIC_BASE_URL or request origin>/track/<orderId>?token=<trackingToken>` (API.md). An orderId
 * is `[A-Za-z0-9._:-]`, all legal in a path segment, so it appears verbatim (`:` included: `%3A`
 * is not the same URL); encoding only guards against anything else.
 */
export function trackingUrl(baseUrl: string, delivery: Pick<DeliveryRecord, "orderId" | "trackingToken">): string {
  const orderId = encodeURIComponent(delivery.orderId).replace(/%3A/gi, ":");
  return `${baseUrl.replace(/\/+$/, "")}/track/${orderId}?token=${delivery.trackingToken}`;
}

export function deliveryView(delivery: DeliveryRecord, baseUrl: string): DeliveryView {
  return {
    id: delivery.id,
    zoneId: delivery.zoneId,
    orderId: delivery.orderId,
    sellerOrderId: delivery.sellerOrderId,
    sellerId: delivery.sellerId,
    storeName: delivery.storeName,
    pickup: delivery.pickup,
    dropoff: delivery.dropoff,
    priority: delivery.priority,
    estimatedPrepTimeMinutes: delivery.estimatedPrepTimeMinutes,
    requirements: delivery.requirements,
    customer: delivery.customer,
    dispatch: delivery.dispatch,
    status: delivery.status,
    statusReason: delivery.statusReason,
    assignedDriverId: delivery.assignedDriverId,
    trackingToken: delivery.trackingToken,
    trackingUrl: trackingUrl(baseUrl, delivery),
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
  };
}

/** An offer as its driver sees it (seed 001 GET /v2/drivers/:id/offers). */
export function driverOfferView(offer: OfferRecord) {
  return {
    id: offer.id,
    deliveryId: offer.deliveryId,
    status: offer.status,
    payload: offer.payload,
    createdAt: offer.createdAt,
    expiresAt: offer.expiresAt,
    ...(offer.responseTimeMs === null ? {} : { responseTimeMs: offer.responseTimeMs }),
  };
}

/** An offer as ops see it on the delivery: who got it and how it ended. */
export function offerView(offer: OfferRecord) {
  const { orgId: _org, zoneId: _zone, ...view } = offer;
  return view;
}

export function assignmentView(assignment: AssignmentRecord) {
  const { orgId: _org, zoneId: _zone, ...view } = assignment;
  return view;
}
