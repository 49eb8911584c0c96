import type { NewDelivery } from "../../src/domain/delivery-intake";

/** A delivery as the createDelivery command takes it (the Worker's part already done), automatic dispatch. */
export function newDelivery(id: string, orderId = `order-${id.slice(-4)}`): NewDelivery {
  return {
    id,
    orderId,
    sellerOrderId: orderId,
    storeName: "Corner Store",
    pickup: { lat: 12.96, lon: 77.61 },
    dropoff: { lat: 12.97, lon: 77.62 },
    priority: 50,
    estimatedPrepTimeMinutes: 5,
    requirements: {},
    dispatch: "auto",
    trackingTokenHash: `hash-${id}`,
  };
}
