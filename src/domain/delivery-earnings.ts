import { isOnTime } from "./driver-performance";
import type { DeliveryRecord } from "./model";
import { offerPayload } from "./offer-payload";
import type { ZoneTx } from "./zone-tx";

/**
 * What a delivery just delivered earned its driver, and whether it was on time, kept on the
 * record (the zone's performance reads) and queued for D1's delivery_costs (the reports).
 *
 * The pay is the accepted offer's `estimatedEarning`: what the driver agreed to. The model has
 * no bonus, tip or surge, so that is all of it. A driver ops put on the delivery directly had no
 * offer: they earn the zone's fee priced from the pickup (no approach leg is known), and with no
 * estimate to be held to, their delivery is neither on time nor late.
 */
export function recordDelivered(tx: ZoneTx, delivery: DeliveryRecord): DeliveryRecord {
  const driverId = delivery.assignedDriverId;
  if (!driverId) return delivery;
  const assignment = delivery.assignmentId ? tx.assignment(delivery.assignmentId) : undefined;
  const offer = assignment?.offerId ? tx.offer(assignment.offerId) : undefined;
  const earning = offer
    ? offer.payload.estimatedEarning
    : offerPayload(delivery, delivery.pickup, tx.zone.settings, tx.now).estimatedEarning;
  const onTime = offer ? isOnTime(tx.now, offer.payload.estimatedDeliveryTime) : null;
  tx.changes.costs.push({
    deliveryId: delivery.id,
    orgId: delivery.orgId,
    zoneId: delivery.zoneId,
    driverId,
    driverPayment: earning,
    currency: tx.zone.settings.currency,
    deliveredAt: tx.nowIso,
  });
  return tx.putDelivery({ ...delivery, deliveredAt: tx.nowIso, earning, onTime });
}
