import type { DeliveryStatus } from "../contracts/statuses";
import { changeAvailability } from "./availability-changes";
import { assertDeliveryMove, auditEventForStatus } from "./delivery-status";
import { DomainError } from "./errors";
import type { Actor, DeliveryRecord } from "./model";
import { SYSTEM } from "./model";
import type { ZoneTx } from "./zone-tx";

/** Statuses the assigned driver reports (API.md "Deliveries"). */
export type DriverReportedStatus = Extract<DeliveryStatus, "picked_up" | "in_transit" | "delivered" | "failed">;

/**
 * Moves a delivery along the status machine and audits the move. Leaving the driver's hands
 * (delivered, failed, cancelled, released) frees the driver for the next job.
 */
export function moveDelivery(
  tx: ZoneTx,
  deliveryId: string,
  to: DeliveryStatus,
  actor: Actor,
  reason: string | null,
): DeliveryRecord {
  const delivery = tx.requireDelivery(deliveryId);
  assertDeliveryMove(delivery.status, to);
  const releasesDriver = to === "delivered" || to === "failed" || to === "cancelled" || to === "ready";
  const driverId = delivery.assignedDriverId;
  tx.putDelivery({
    ...delivery,
    status: to,
    statusReason: reason,
    // An ended delivery keeps who carried it; only a release clears the driver.
    assignedDriverId: to === "ready" ? null : driverId,
    updatedAt: tx.nowIso,
  });
  tx.audit(deliveryId, auditEventForStatus(to), { from: delivery.status, to, reason, driverId }, actor);
  if (releasesDriver && driverId && tx.driver(driverId)?.availability === "busy") {
    changeAvailability(tx, driverId, "assignment_ended", SYSTEM, { reason: `delivery_${to}` });
  }
  return tx.requireDelivery(deliveryId);
}

/** A status report from a driver: only the assigned driver may report on a delivery. */
export function reportDeliveryStatus(
  tx: ZoneTx,
  driverId: string,
  deliveryId: string,
  to: DriverReportedStatus,
  reason: string | null,
): DeliveryRecord {
  const delivery = tx.requireDelivery(deliveryId);
  if (delivery.assignedDriverId !== driverId) {
    throw new DomainError("forbidden", "Forbidden: only the assigned driver may update this delivery");
  }
  return moveDelivery(tx, deliveryId, to, { type: "driver", id: driverId }, reason);
}

export function cancelDelivery(tx: ZoneTx, deliveryId: string, reason: string, actor: Actor): DeliveryRecord {
  return moveDelivery(tx, deliveryId, "cancelled", actor, reason);
}
