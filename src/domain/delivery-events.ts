import type { AuditEventType } from "../contracts/audit";
import type { DeliveryEvent, DeliveryEventType } from "../contracts/delivery-webhooks";
import type { DeliveryStatus } from "../contracts/statuses";
import type { AuditEntry, DeliveryRecord } from "./model";
import type { ZoneChanges } from "./zone-changes";

/*
 * The order service's delivery events, read off a decision's audit rows: every change a
 * subscriber can see is audited in the same decision, in order, so the audit trail is the one
 * source and nothing can be announced that did not happen.
 */

/** Which audit events are delivery events, and the delivery's status once each happened. */
const EVENT_OF_AUDIT: Partial<Record<AuditEventType, { type: DeliveryEventType; status: DeliveryStatus }>> = {
  created: { type: "delivery.created", status: "ready" },
  driver_assigned: { type: "delivery.assigned", status: "assigned" },
  pickup_completed: { type: "delivery.picked_up", status: "picked_up" },
  delivery_started: { type: "delivery.in_transit", status: "in_transit" },
  delivery_completed: { type: "delivery.delivered", status: "delivered" },
  delivery_failed: { type: "delivery.failed", status: "failed" },
  delivery_cancelled: { type: "delivery.cancelled", status: "cancelled" },
  // The only way back to `ready`: a release or an ops reassignment took the driver away.
  assignment_reassigned: { type: "delivery.unassigned", status: "ready" },
  // The ladder climbs only while a delivery waits.
  escalation_triggered: { type: "delivery.escalated", status: "ready" },
  escalation_critical: { type: "delivery.escalated", status: "ready" },
};

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** What an event adds to the delivery's ids: who has it, why it moved, how far it escalated. */
function detailsOf(type: DeliveryEventType, entry: AuditEntry): Partial<DeliveryEvent["data"]> {
  const { details } = entry;
  if (type === "delivery.created") return {};
  if (type === "delivery.escalated") {
    return { escalationLevel: typeof details.level === "number" ? details.level : undefined, reason: text(details.reason) };
  }
  if (type === "delivery.assigned") return { driverId: text(details.driverId) };
  return { driverId: text(details.driverId), reason: text(details.reason) };
}

/** The delivery event an audit row announces, if any; its id is the audit row's (stable, unique). */
function deliveryEventOf(entry: AuditEntry, delivery: Pick<DeliveryRecord, "orderId" | "sellerOrderId">): DeliveryEvent | null {
  const mapped = EVENT_OF_AUDIT[entry.eventType];
  if (!mapped) return null;
  return {
    id: entry.id,
    type: mapped.type,
    createdAt: entry.timestamp,
    data: {
      deliveryId: entry.deliveryId,
      orderId: delivery.orderId,
      sellerOrderId: delivery.sellerOrderId,
      status: mapped.status,
      zoneId: entry.zoneId,
      version: entry.version,
      ...detailsOf(mapped.type, entry),
    },
  };
}

/** A decision's delivery events, in the order they happened (the audit rows' order). */
export function deliveryEventsOf(changes: Pick<ZoneChanges, "audit" | "deliveries">): DeliveryEvent[] {
  return changes.audit.flatMap((entry) => {
    // Auditing writes the delivery, so the decision's changes always hold it.
    const delivery = changes.deliveries.get(entry.deliveryId);
    const event = delivery ? deliveryEventOf(entry, delivery) : null;
    return event ? [event] : [];
  });
}
