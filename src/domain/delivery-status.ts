import type { DeliveryStatus } from "../contracts/statuses";
import { conflict } from "./errors";

/** Every legal move, and nothing else: a move missing here is a 409. */
const NEXT_STATUSES: Record<DeliveryStatus, readonly DeliveryStatus[]> = {
  ready: ["assigned", "cancelled"],
  // Back to `ready` when the driver releases it or ops reassign it before pickup.
  assigned: ["picked_up", "ready", "failed", "cancelled"],
  picked_up: ["in_transit", "failed", "cancelled"],
  in_transit: ["delivered", "failed", "cancelled"],
  delivered: [],
  failed: [],
  cancelled: [],
};

export type DeliveryStatusAuditEvent =
  | "assignment_reassigned"
  | "driver_assigned"
  | "pickup_completed"
  | "delivery_started"
  | "delivery_completed"
  | "delivery_failed"
  | "delivery_cancelled";

const AUDIT_EVENT_FOR_STATUS: Record<DeliveryStatus, DeliveryStatusAuditEvent> = {
  // The only way back into `ready` is a release or reassignment.
  ready: "assignment_reassigned",
  assigned: "driver_assigned",
  picked_up: "pickup_completed",
  in_transit: "delivery_started",
  delivered: "delivery_completed",
  failed: "delivery_failed",
  cancelled: "delivery_cancelled",
};

export function canMoveDelivery(from: DeliveryStatus, to: DeliveryStatus): boolean {
  return NEXT_STATUSES[from].includes(to);
}

export function assertDeliveryMove(from: DeliveryStatus, to: DeliveryStatus): void {
  if (!canMoveDelivery(from, to)) {
    throw conflict(`Illegal delivery status transition from ${from} to ${to}`);
  }
}

/** A delivery that has ended: no move leaves it, so no driver or offer may act on it. */
export function isTerminalDelivery(status: DeliveryStatus): boolean {
  return NEXT_STATUSES[status].length === 0;
}

/** A driver has the delivery (assigned, picked up or in transit): neither waiting nor ended. */
export function isUnderWay(status: DeliveryStatus): boolean {
  return status !== "ready" && !isTerminalDelivery(status);
}

/** The audit event written when a delivery enters `to`. */
export function auditEventForStatus(to: DeliveryStatus): DeliveryStatusAuditEvent {
  return AUDIT_EVENT_FOR_STATUS[to];
}
