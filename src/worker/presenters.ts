import type { OfferView } from "../contracts/board";
import type { DeliveryView, DriverDeliveryView } from "../contracts/deliveries";
import type { DriverView } from "../contracts/drivers";
import type { ZoneView } from "../contracts/zones";
import type { AssignmentRecord, DeliveryRecord, DriverRecord, OfferRecord, ZoneConfig } from "../domain/model";
import { iso } from "../domain/model";
import { firstName } from "../domain/person-names";
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
 * `<PUBLIC_BASE_URL or request origin>/track/<orderId>?token=<trackingToken>` (docs/api.md). An orderId
 * is `[A-Za-z0-9._:-]`, all legal in a path segment, so it appears verbatim (`:` included: `%3A`
 * is not the same URL); encoding only guards against anything else.
 */
export function trackingUrl(baseUrl: string, orderId: string, trackingToken: string): string {
  const segment = encodeURIComponent(orderId).replace(/%3A/gi, ":");
  return `${baseUrl.replace(/\/+$/, "")}/track/${segment}?token=${trackingToken}`;
}

/** The customer's way in to one delivery, shown to its org (the zone keeps only the token's hash). */
export type TrackingLink = Pick<DeliveryView, "trackingToken" | "trackingUrl">;

export function deliveryView(delivery: DeliveryRecord, link: TrackingLink): DeliveryView {
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
    trackingToken: link.trackingToken,
    trackingUrl: link.trackingUrl,
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
  };
}

/** A delivery as its driver sees it (docs/security.md: no tracking link, no customer phone). */
export function driverDeliveryView(delivery: DeliveryRecord): DriverDeliveryView {
  return {
    id: delivery.id,
    zoneId: delivery.zoneId,
    orderId: delivery.orderId,
    storeName: delivery.storeName,
    pickup: delivery.pickup,
    dropoff: delivery.dropoff,
    customerFirstName: delivery.customer ? firstName(delivery.customer.name) : null,
    estimatedPrepTimeMinutes: delivery.estimatedPrepTimeMinutes,
    status: delivery.status,
    statusReason: delivery.statusReason,
    assignedDriverId: delivery.assignedDriverId,
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
export function offerView(offer: OfferRecord): OfferView {
  const { orgId: _org, zoneId: _zone, ...view } = offer;
  return view;
}

export function assignmentView(assignment: AssignmentRecord) {
  const { orgId: _org, zoneId: _zone, ...view } = assignment;
  return view;
}
