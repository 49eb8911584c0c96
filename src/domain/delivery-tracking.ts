import type { DeliveryStatus } from "../contracts/statuses";
import type { CustomerStatus } from "../contracts/tracking";
import { isTerminalDelivery, isUnderWay } from "./delivery-status";
import { DomainError } from "./errors";
import { estimateEta } from "./eta";
import { maskPhone } from "./phone";
import { shortName } from "./person-names";
import type { DeliveryRecord } from "./model";
import { iso } from "./model";
import { audience } from "./audiences";
import type { TrackingMark } from "./zone-changes";
import type { ZoneTx } from "./zone-tx";

/** Customers see at most one position per second per delivery. */
const LOCATION_EVERY_MS = 1000;
/** An ETA is announced again only when it moves by a minute or more. */
const ETA_STEP_MS = 60_000;

/** Tells the delivery's customers and the zone's ops that its status changed. */
export function announceStatus(tx: ZoneTx, delivery: DeliveryRecord, from: DeliveryStatus, reason: string | null): void {
  tx.emit([audience.customer(delivery.id), audience.ops], {
    type: "delivery_status_changed",
    deliveryId: delivery.id,
    orderId: delivery.orderId,
    fromStatus: from,
    status: delivery.status,
    ...(reason ? { reason } : {}),
    changedAt: tx.nowIso,
  });
}

/**
 * A busy driver's new position, passed on to the customers of the delivery they carry: the
 * position (throttled) and the ETA when it moved by a minute.
 */
export function trackDriverPosition(tx: ZoneTx, driverId: string): void {
  const driver = tx.driver(driverId);
  const assignmentId = tx.state.activeByDriver.get(driverId);
  const assignment = assignmentId ? tx.assignment(assignmentId) : undefined;
  if (!driver?.location || !assignment || assignment.status !== "ACTIVE") return;
  const delivery = tx.delivery(assignment.deliveryId);
  if (!delivery || !isUnderWay(delivery.status)) return;
  // A copy: the decision changes memory only when it commits (ZoneState.apply).
  const last = tx.changes.tracking.get(delivery.id) ?? tx.state.tracking.get(delivery.id);
  const audiences = [audience.customer(delivery.id), audience.ops];
  const mark: TrackingMark = { ...(last ?? { locationAt: 0, pickupAt: 0, deliveryAt: 0 }) };
  if (tx.now - mark.locationAt >= LOCATION_EVERY_MS) {
    const { lat, lon, accuracyMeters, speed, heading } = driver.location;
    tx.emit(audiences, {
      type: "delivery_location_updated",
      deliveryId: delivery.id,
      location: { lat, lon, accuracyMeters: accuracyMeters ?? 0 },
      ...(speed === undefined ? {} : { speed }),
      ...(heading === undefined ? {} : { heading }),
      updatedAt: driver.location.recordedAt,
    });
    mark.locationAt = tx.now;
  }
  const pickedUpAt = delivery.status === "assigned" ? null : Date.parse(delivery.pickedUpAt ?? delivery.updatedAt);
  const eta = estimateEta(delivery, driver.location, tx.zone.settings, tx.now, pickedUpAt);
  if (Math.abs(eta.pickupAt - mark.pickupAt) >= ETA_STEP_MS || Math.abs(eta.deliveryAt - mark.deliveryAt) >= ETA_STEP_MS) {
    tx.emit(audiences, {
      type: "delivery_eta_updated",
      deliveryId: delivery.id,
      estimatedPickupTime: iso(eta.pickupAt),
      estimatedDeliveryTime: iso(eta.deliveryAt),
      confidence: eta.confidence,
      updatedAt: tx.nowIso,
    });
    mark.pickupAt = eta.pickupAt;
    mark.deliveryAt = eta.deliveryAt;
  }
  tx.changes.tracking.set(delivery.id, mark);
}

/** A tracking token stops opening the order this long after the delivery ends. */
const TRACKING_AFTER_END_MS = 24 * 3_600_000;


const CUSTOMER_STATUS: Record<DeliveryStatus, CustomerStatus> = {
  ready: "pending",
  assigned: "assigned",
  picked_up: "picked_up",
  in_transit: "in_transit",
  delivered: "delivered",
  failed: "failed",
  cancelled: "cancelled",
};

/**
 * The delivery a tracking token (given as its SHA-256 hash, the only form the zone keeps) opens:
 * it must be that delivery's and still valid. A wrong one reveals nothing, not even existence.
 */
export function requireCustomersDelivery(tx: ZoneTx, deliveryId: string, tokenHash: string): DeliveryRecord {
  const delivery = tx.delivery(deliveryId);
  const refused = () => new DomainError("unauthorized", "Unauthorized: invalid or expired tracking token");
  if (!delivery || !sameSecret(tokenHash, delivery.trackingTokenHash)) throw refused();
  if (isTerminalDelivery(delivery.status) && tx.now > Date.parse(delivery.updatedAt) + TRACKING_AFTER_END_MS) throw refused();
  return delivery;
}

/**
 * What the customer may see of a delivery (docs/api-notes.md "Sockets and tracking"): with a tracking token's hash,
 * only if the token opens it (requireCustomersDelivery); without one (an org token), as it is.
 */
export function customerView(tx: ZoneTx, deliveryId: string, tokenHash: string | null) {
  const delivery = tokenHash === null ? tx.delivery(deliveryId) : requireCustomersDelivery(tx, deliveryId, tokenHash);
  if (!delivery) throw new DomainError("not_found", "Order not found");
  const active = isUnderWay(delivery.status);
  const driver = delivery.assignedDriverId && delivery.status !== "cancelled" ? tx.driver(delivery.assignedDriverId) : undefined;
  const eta =
    active && driver?.location
      ? estimateEta(
          delivery,
          driver.location,
          tx.zone.settings,
          tx.now,
          delivery.status === "assigned" ? null : Date.parse(delivery.pickedUpAt ?? delivery.updatedAt),
        )
      : null;
  return {
    status: CUSTOMER_STATUS[delivery.status],
    ...(driver
      ? { driver: { name: shortName(driver.name), rating: driver.rating, vehicle: driver.vehicle, phone: maskPhone(driver.phone) } }
      : {}),
    ...(active && driver?.location
      ? {
          location: {
            lat: driver.location.lat,
            lon: driver.location.lon,
            accuracyMeters: driver.location.accuracyMeters ?? 0,
            lastUpdated: driver.location.recordedAt,
          },
        }
      : {}),
    ...(eta ? { estimatedPickupTime: iso(eta.pickupAt), estimatedDeliveryTime: iso(eta.deliveryAt) } : {}),
    estimatedPrepTimeMinutes: delivery.estimatedPrepTimeMinutes,
    deliveryId: delivery.id,
    orderId: delivery.orderId,
    // What the tracking page draws and says: the store, the two ends, the zone's clock.
    storeName: delivery.storeName,
    pickup: delivery.pickup,
    dropoff: delivery.dropoff,
    timezone: tx.zone.timezone,
    updatedAt: delivery.updatedAt,
    ...(delivery.rating ? { rating: { rating: delivery.rating.rating, ratedAt: delivery.rating.ratedAt } } : {}),
  };
}

/** Compares secrets in time independent of where they differ. */
function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
