import type { MatchFailure } from "./matching";
import type { DeliveryRecord, UnassignedRecord } from "./model";
import { SYSTEM } from "./model";
import type { ZoneTx } from "./zone-tx";

/*
 * A delivery's unassigned record (seed 001 "Unassigned Orders"): opened the first time a round
 * finds nobody, kept up to date while the delivery waits, projected into D1 for cross-zone reads.
 */

/** Creates or updates the delivery's unassigned record after a round that found nobody. */
export function recordUnmatched(tx: ZoneTx, deliveryId: string, reason: MatchFailure, radiusKm: number): void {
  const delivery = tx.requireDelivery(deliveryId);
  const current = delivery.unassigned;
  if (current) {
    tx.putDelivery({
      ...delivery,
      unassigned: {
        ...current,
        // Waiting again after an assignment fell through: the record is open again.
        escalationStatus: current.escalationLevel > 0 ? "NOTIFIED" : "PENDING",
        failureReason: reason,
        lastAttemptAt: tx.nowIso,
        attemptCount: current.attemptCount + 1,
        updatedAt: tx.nowIso,
      },
    });
    return;
  }
  openUnassignedRecord(tx, delivery, reason);
  tx.audit(deliveryId, "driver_candidates_found", { count: 0, radiusKm, failureReason: reason }, SYSTEM);
}

/** Starts the delivery's unassigned record (level 0, PENDING) with why nobody could take it. */
export function openUnassignedRecord(tx: ZoneTx, delivery: DeliveryRecord, reason: MatchFailure): UnassignedRecord {
  const record: UnassignedRecord = {
    id: tx.newId(),
    orgId: delivery.orgId,
    zoneId: delivery.zoneId,
    deliveryId: delivery.id,
    sellerOrderId: delivery.sellerOrderId,
    location: delivery.pickup,
    failureReason: reason,
    firstAttemptAt: tx.nowIso,
    lastAttemptAt: tx.nowIso,
    attemptCount: 1,
    escalationLevel: 0,
    escalationStatus: "PENDING",
    supportTicketId: null,
    notificationSentAt: null,
    createdAt: tx.nowIso,
    updatedAt: tx.nowIso,
  };
  tx.putDelivery({ ...tx.requireDelivery(delivery.id), unassigned: record });
  return record;
}
