import { describe, expect, it } from "vitest";
import { deliveryEventsOf } from "../../src/domain/delivery-events";
import { cancelDelivery, releaseDelivery, reportDeliveryStatus } from "../../src/domain/delivery-progress";
import { checkEscalations } from "../../src/domain/escalation";
import { acceptOffer } from "../../src/domain/offer-lifecycle";
import type { ZoneTx } from "../../src/domain/zone-tx";
import { OPS, T0, memoryZone } from "./zone-fixture";

type Zone = ReturnType<typeof memoryZone>;
const S = 1000;

/** The delivery events of one decision, as the zone object derives them before its commit. */
function eventsOf(z: Zone, at: number, rule: (tx: ZoneTx) => unknown) {
  return deliveryEventsOf(z.run(at, (tx) => (rule(tx), tx.changes)));
}

/** A delivery offered to an online driver, and that driver's pending offer. */
function offeredDelivery(z: Zone) {
  const driver = z.addOnlineDriver();
  const delivery = z.addDelivery();
  const [offer] = z.pendingOffersOf(delivery.id);
  return { driver, delivery, offer: offer! };
}

describe("deliveryEventsOf", () => {
  it("announces a whole delivery in order: created, assigned, picked_up, in_transit, delivered", () => {
    const z = memoryZone();
    const { driver, delivery, offer } = offeredDelivery(z);
    const created = z.auditOf(delivery.id).filter((e) => e.eventType === "created");
    const ids = { deliveryId: delivery.id, orderId: delivery.orderId, sellerOrderId: delivery.sellerOrderId, zoneId: z.zone.id };
    expect(deliveryEventsOf({ audit: created, deliveries: new Map([[delivery.id, delivery]]) })).toEqual([
      { id: created[0]!.id, type: "delivery.created", createdAt: new Date(T0).toISOString(), data: { ...ids, status: "ready", version: 1 } },
    ]);

    const assigned = eventsOf(z, T0 + S, (tx) => acceptOffer(tx, driver.id, offer.id));
    expect(assigned).toEqual([
      {
        id: expect.any(String),
        type: "delivery.assigned",
        createdAt: new Date(T0 + S).toISOString(),
        data: { ...ids, status: "assigned", driverId: driver.id, version: expect.any(Number) },
      },
    ]);
    const moves = (["picked_up", "in_transit", "delivered"] as const).map((to, i) =>
      eventsOf(z, T0 + (i + 2) * S, (tx) => reportDeliveryStatus(tx, driver.id, delivery.id, to, null)),
    );
    expect(moves.map((events) => events.map((e) => [e.type, e.data.status, e.data.driverId]))).toEqual([
      [["delivery.picked_up", "picked_up", driver.id]],
      [["delivery.in_transit", "in_transit", driver.id]],
      [["delivery.delivered", "delivered", driver.id]],
    ]);
    // Each event is its audit row: the same id, and versions that only go up.
    const all = [...assigned, ...moves.flat()];
    const audit = new Map(z.auditOf(delivery.id).map((e) => [e.id, e]));
    for (const event of all) expect(audit.get(event.id)?.version).toBe(event.data.version);
    const versions = all.map((e) => e.data.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });

  it("announces a release as unassigned (back to ready, with the driver and the reason)", () => {
    const z = memoryZone();
    const { driver, delivery, offer } = offeredDelivery(z);
    z.run(T0 + S, (tx) => acceptOffer(tx, driver.id, offer.id));
    const events = eventsOf(z, T0 + 2 * S, (tx) => releaseDelivery(tx, driver.id, delivery.id, "vehicle_issue"));
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ["delivery.unassigned", expect.objectContaining({ status: "ready", driverId: driver.id, reason: "vehicle_issue" })],
    ]);
  });

  it("announces failures and cancellations with their reason", () => {
    const z = memoryZone();
    const { driver, delivery, offer } = offeredDelivery(z);
    z.run(T0 + S, (tx) => acceptOffer(tx, driver.id, offer.id));
    z.run(T0 + 2 * S, (tx) => reportDeliveryStatus(tx, driver.id, delivery.id, "picked_up", null));
    const failed = eventsOf(z, T0 + 3 * S, (tx) => reportDeliveryStatus(tx, driver.id, delivery.id, "failed", "customer_absent"));
    expect(failed.map((e) => [e.type, e.data.status, e.data.reason])).toEqual([["delivery.failed", "failed", "customer_absent"]]);

    const waiting = z.addDelivery(T0 + 4 * S);
    const cancelled = eventsOf(z, T0 + 5 * S, (tx) => cancelDelivery(tx, waiting.id, "customer_changed_mind", OPS));
    expect(cancelled.map((e) => [e.type, e.data.status, e.data.reason, e.data.deliveryId])).toEqual([
      ["delivery.cancelled", "cancelled", "customer_changed_mind", waiting.id],
    ]);
  });

  it("announces each escalation level, in order, and nothing for offers or matching", () => {
    const z = memoryZone({ escalationSeconds: [60, 120, 180] });
    const delivery = z.addDelivery();
    const events = eventsOf(z, T0 + 200 * S, (tx) => checkEscalations(tx));
    expect(events.map((e) => [e.type, e.data.status, e.data.escalationLevel, e.data.deliveryId])).toEqual([
      ["delivery.escalated", "ready", 1, delivery.id],
      ["delivery.escalated", "ready", 2, delivery.id],
      ["delivery.escalated", "ready", 3, delivery.id],
    ]);
    // The decision audited more (candidates searched at the widened radius), none of it an event.
    expect(z.auditOf(delivery.id).length).toBeGreaterThan(events.length + 1);
  });
});
