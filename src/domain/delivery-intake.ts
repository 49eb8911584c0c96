import type { CreateDeliveryBody } from "../contracts/deliveries";
import { audience } from "./audiences";
import { conflict } from "./errors";
import type { Actor, DeliveryRecord } from "./model";
import type { ZoneTx } from "./zone-tx";

export interface NewDelivery extends Omit<CreateDeliveryBody, "orderId" | "zoneId"> {
  id: string;
  orderId: string;
  trackingTokenHash: string;
}

/** The order's id in the marketplace: the one given, else the seller's own order id. */
export function orderIdFor(body: Pick<CreateDeliveryBody, "orderId" | "sellerOrderId">): string {
  return body.orderId ?? body.sellerOrderId;
}

/**
 * Takes a delivery into the zone as `ready`, audited as `created` (version 1); with automatic
 * dispatch the first matching round runs in the same decision (settle).
 */
export function acceptDelivery(tx: ZoneTx, input: NewDelivery, actor: Actor): DeliveryRecord {
  if (tx.delivery(input.id)) throw conflict("Delivery already exists");
  const delivery = tx.putDelivery({
    id: input.id,
    orgId: tx.zone.orgId,
    zoneId: tx.zone.id,
    orderId: input.orderId,
    sellerOrderId: input.sellerOrderId,
    sellerId: input.sellerId ?? null,
    storeName: input.storeName,
    pickup: input.pickup,
    dropoff: input.dropoff,
    priority: input.priority,
    estimatedPrepTimeMinutes: input.estimatedPrepTimeMinutes,
    requirements: input.requirements,
    customer: input.customer ?? null,
    dispatch: input.dispatch,
    status: "ready",
    statusReason: null,
    assignedDriverId: null,
    assignmentId: null,
    excludedDriverIds: [],
    autoOfferCount: 0,
    unassigned: null,
    trackingTokenHash: input.trackingTokenHash,
    auditVersion: 0,
    createdAt: tx.nowIso,
    updatedAt: tx.nowIso,
  });
  tx.emit([audience.ops], {
    type: "delivery_created",
    deliveryId: delivery.id,
    orderId: delivery.orderId,
    storeName: delivery.storeName,
    priority: delivery.priority,
    dispatch: delivery.dispatch,
    createdAt: delivery.createdAt,
  });
  tx.audit(
    delivery.id,
    "created",
    {
      sellerOrderId: delivery.sellerOrderId,
      orderId: delivery.orderId,
      priority: delivery.priority,
      dispatch: delivery.dispatch,
      pickup: delivery.pickup,
      dropoff: delivery.dropoff,
    },
    actor,
  );
  tx.follow.match(delivery.id);
  tx.follow.rearmEscalation(delivery.id);
  return delivery;
}
