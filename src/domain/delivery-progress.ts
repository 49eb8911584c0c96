import type { DriverReportedStatus } from "../contracts/deliveries";
import type { DeliveryStatus } from "../contracts/statuses";
import { assignDriver, finishAssignment } from "./assignment-lifecycle";
import { assertDeliveryMove, auditEventForStatus } from "./delivery-status";
import { recordDelivered } from "./delivery-earnings";
import { announceStatus } from "./delivery-tracking";
import { DomainError, conflict } from "./errors";
import type { Actor, AssignmentStatus, DeliveryRecord } from "./model";
import { announcePerformance } from "./performance-view";
import type { ZoneTx } from "./zone-tx";

/** How the assignment ends when the delivery moves to each status (absent: it goes on). */
const ASSIGNMENT_END: Partial<Record<DeliveryStatus, AssignmentStatus>> = {
  delivered: "COMPLETED",
  failed: "FAILED",
  cancelled: "CANCELLED",
};

/**
 * Moves a delivery along the status machine (409 on an illegal move) and audits it. Ending the
 * delivery ends its assignment and frees the driver; a cancelled delivery's offers are withdrawn
 * (by settle, whose drivers are then free for other deliveries).
 */
function moveDelivery(
  tx: ZoneTx,
  deliveryId: string,
  to: DeliveryStatus,
  actor: Actor,
  reason: string | null,
): DeliveryRecord {
  const delivery = tx.requireDelivery(deliveryId);
  assertDeliveryMove(delivery.status, to);
  const moved = tx.putDelivery({
    ...delivery,
    status: to,
    statusReason: reason,
    ...(to === "picked_up" ? { pickedUpAt: tx.nowIso } : {}),
    unassigned:
      to === "cancelled" && delivery.unassigned
        ? { ...delivery.unassigned, escalationStatus: "CANCELLED", updatedAt: tx.nowIso }
        : delivery.unassigned,
    updatedAt: tx.nowIso,
  });
  announceStatus(tx, moved, delivery.status, reason);
  // Back to `ready` (a release) the ladder resumes; any other move ends it.
  tx.follow.rearmEscalation(deliveryId);
  tx.audit(
    deliveryId,
    auditEventForStatus(to),
    { from: delivery.status, to, reason, driverId: delivery.assignedDriverId },
    actor,
  );
  if (to === "cancelled") tx.follow.withdrawOffersOfDelivery(deliveryId, "delivery_cancelled");
  if (to === "delivered") recordDelivered(tx, tx.requireDelivery(deliveryId));
  const ends = ASSIGNMENT_END[to];
  if (ends) finishAssignment(tx, moved, ends, `delivery_${to}`);
  // A delivery a driver held has ended: their figures changed (or, for a cancel, were looked at).
  if (ends && delivery.assignedDriverId) announcePerformance(tx, delivery.assignedDriverId);
  return tx.requireDelivery(deliveryId);
}

function requireAssignedDriver(tx: ZoneTx, driverId: string, deliveryId: string): DeliveryRecord {
  const delivery = tx.requireDelivery(deliveryId);
  if (delivery.assignedDriverId !== driverId) {
    throw new DomainError("forbidden", "Forbidden: only the assigned driver may act on this delivery");
  }
  return delivery;
}

/** A status report from a driver: only the assigned driver may report on a delivery. */
export function reportDeliveryStatus(
  tx: ZoneTx,
  driverId: string,
  deliveryId: string,
  to: DriverReportedStatus,
  reason: string | null,
): DeliveryRecord {
  requireAssignedDriver(tx, driverId, deliveryId);
  return moveDelivery(tx, deliveryId, to, { type: "driver", id: driverId }, reason);
}

export function cancelDelivery(tx: ZoneTx, deliveryId: string, reason: string, actor: Actor): DeliveryRecord {
  return moveDelivery(tx, deliveryId, "cancelled", actor, reason);
}

/**
 * Takes the delivery back from its driver before pickup: the delivery is `ready` again, the
 * driver is never offered it again, and matching runs at once.
 */
function unassign(tx: ZoneTx, delivery: DeliveryRecord, status: AssignmentStatus, reason: string, actor: Actor): void {
  const driverId = delivery.assignedDriverId;
  if (delivery.status !== "assigned" || !driverId) throw conflict(`Delivery is ${delivery.status}, not assigned`);
  moveDelivery(tx, delivery.id, "ready", actor, reason);
  const ready = tx.requireDelivery(delivery.id);
  tx.putDelivery({
    ...ready,
    assignedDriverId: null,
    excludedDriverIds: ready.excludedDriverIds.includes(driverId) ? ready.excludedDriverIds : [...ready.excludedDriverIds, driverId],
  });
  finishAssignment(tx, { ...ready, assignmentId: delivery.assignmentId }, status, reason);
}

/** The assigned driver gives the delivery back before pickup. */
export function releaseDelivery(tx: ZoneTx, driverId: string, deliveryId: string, reason: string): DeliveryRecord {
  const delivery = requireAssignedDriver(tx, driverId, deliveryId);
  unassign(tx, delivery, "RELEASED", reason, { type: "driver", id: driverId });
  tx.follow.match(deliveryId);
  return tx.requireDelivery(deliveryId);
}

/**
 * Ops override: take the delivery from its current driver (if any, before pickup) and give it
 * to `driverId` directly, or, without a driver, put it back to matching.
 */
export function reassignDelivery(tx: ZoneTx, deliveryId: string, driverId: string | undefined, actor: Actor): DeliveryRecord {
  const delivery = tx.requireDelivery(deliveryId);
  if (delivery.status !== "ready" && delivery.status !== "assigned") {
    throw conflict(`Delivery is ${delivery.status}; only a ready or assigned delivery can be reassigned`);
  }
  if (driverId) {
    const target = tx.requireDriver(driverId);
    if (target.availability !== "available" && delivery.assignedDriverId !== driverId) {
      throw conflict(`Driver is ${target.availability}, not available`);
    }
  }
  if (delivery.status === "assigned") unassign(tx, delivery, "REASSIGNED", "ops_reassign", actor);
  // Recorded before the assignment's own withdrawal, so the offers out go as `ops_reassign`.
  tx.follow.withdrawOffersOfDelivery(deliveryId, "ops_reassign");
  if (driverId) assignDriver(tx, deliveryId, driverId, { offerId: null, actor });
  else tx.follow.match(deliveryId, { force: true });
  return tx.requireDelivery(deliveryId);
}
