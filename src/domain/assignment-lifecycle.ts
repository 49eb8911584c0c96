import { changeAvailability } from "./availability-changes";
import { announceStatus } from "./delivery-tracking";
import { conflict } from "./errors";
import type { Actor, AssignmentRecord, AssignmentStatus, DeliveryRecord } from "./model";
import { SYSTEM } from "./model";
import type { ZoneTx } from "./zone-tx";

/**
 * Puts a driver on a `ready` delivery: one ACTIVE assignment, the delivery `assigned`, the
 * driver `busy`. Every other pending offer of the delivery, and of the driver, is left for
 * settle to withdraw, and what they concerned is matched again.
 */
export function assignDriver(
  tx: ZoneTx,
  deliveryId: string,
  driverId: string,
  via: { assignmentId?: string; offerId: string | null; actor: Actor },
): AssignmentRecord {
  const delivery = tx.requireDelivery(deliveryId);
  const driver = tx.requireDriver(driverId);
  if (delivery.status !== "ready") throw conflict(`Delivery is already ${delivery.status}`);
  if (driver.availability !== "available") throw conflict(`Driver is ${driver.availability}, not available`);
  const assignment = tx.putAssignment({
    id: via.assignmentId ?? tx.newId(),
    orgId: delivery.orgId,
    zoneId: delivery.zoneId,
    deliveryId,
    driverId,
    offerId: via.offerId,
    status: "ACTIVE",
    createdAt: tx.nowIso,
    endedAt: null,
    endReason: null,
  });
  const assigned = tx.putDelivery({
    ...delivery,
    status: "assigned",
    statusReason: null,
    assignedDriverId: driverId,
    assignmentId: assignment.id,
    unassigned: delivery.unassigned && {
      ...delivery.unassigned,
      escalationStatus: "REASSIGNED",
      updatedAt: tx.nowIso,
    },
    updatedAt: tx.nowIso,
  });
  announceStatus(tx, assigned, delivery.status, null);
  tx.follow.rearmEscalation(deliveryId);
  tx.audit(deliveryId, "driver_assigned", { driverId, assignmentId: assignment.id, offerId: via.offerId }, via.actor);
  changeAvailability(tx, driverId, "assign", SYSTEM, { reason: "assigned" });
  tx.follow.withdrawOffersOfDelivery(deliveryId, "delivery_assigned");
  tx.follow.withdrawOffersOfDriver(driverId, "driver_busy");
  return assignment;
}

/** Closes the delivery's active assignment and frees its driver for the next job. */
export function finishAssignment(tx: ZoneTx, delivery: DeliveryRecord, status: AssignmentStatus, reason: string): void {
  const assignment = delivery.assignmentId ? tx.assignment(delivery.assignmentId) : undefined;
  if (!assignment || assignment.status !== "ACTIVE") return;
  tx.putAssignment({ ...assignment, status, endedAt: tx.nowIso, endReason: reason });
  if (tx.driver(assignment.driverId)?.availability === "busy") {
    changeAvailability(tx, assignment.driverId, "assignment_ended", SYSTEM, { reason });
  }
}
