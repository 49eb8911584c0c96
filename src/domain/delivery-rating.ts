import { requireCustomersDelivery } from "./delivery-tracking";
import { conflict } from "./errors";
import { announcePerformance } from "./performance-view";
import type { ZoneTx } from "./zone-tx";

export interface RatingRequest {
  deliveryId: string;
  /** SHA-256 of the customer's tracking token: only its holder may rate. */
  tokenHash: string;
  rating: number;
  comment: string | null;
}

/**
 * The customer's rating of a delivered delivery: once (409 before delivery and a second time),
 * by the tracking token's holder only (401 as for tracking). Audited, and the driver's figures
 * are announced again.
 */
export function rateDelivery(tx: ZoneTx, request: RatingRequest) {
  const delivery = requireCustomersDelivery(tx, request.deliveryId, request.tokenHash);
  if (delivery.status !== "delivered") throw conflict(`Delivery is ${delivery.status}; only a delivered delivery can be rated`);
  if (delivery.rating) throw conflict("Delivery is already rated");
  const rating = { rating: request.rating, comment: request.comment, ratedAt: tx.nowIso };
  // updatedAt stays: the tracking link's lifetime runs from when the delivery ended.
  tx.putDelivery({ ...delivery, rating });
  tx.audit(
    delivery.id,
    "delivery_rated",
    { rating: request.rating, comment: request.comment, driverId: delivery.assignedDriverId },
    { type: "customer", id: null },
  );
  if (delivery.assignedDriverId) announcePerformance(tx, delivery.assignedDriverId);
  return { orderId: delivery.orderId, rating: request.rating, ratedAt: rating.ratedAt };
}
