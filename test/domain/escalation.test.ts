import { describe, expect, it } from "vitest";
import { acceptOffer, rejectOffer } from "../../src/domain/offer-lifecycle";
import { cancelDelivery, releaseDelivery } from "../../src/domain/delivery-progress";
import { checkEscalations, escalateManually } from "../../src/domain/escalation";
import { fireDueTimers } from "../../src/domain/timers";
import { updateZoneSettings } from "../../src/domain/zone-config";
import type { ZoneChanges } from "../../src/domain/zone-changes";
import type { ZoneTx } from "../../src/domain/zone-tx";
import { OPS, T0, memoryZone } from "./zone-fixture";

const S = 1000;
/** A pickup in the zone, and points about 2 km and 7 km east of it. */
const PICKUP = { lat: 12.95, lon: 77.6 };
const TWO_KM = { lat: 12.95, lon: 77.6184 };
const SEVEN_KM = { lat: 12.95, lon: 77.6646 };

/** The alarm at `at`: every due timer fires; answers what that decision changed. */
function alarmAt(z: ReturnType<typeof memoryZone>, at: number): ZoneChanges {
  return z.run(at, (tx) => {
    fireDueTimers(tx);
    return tx.changes;
  });
}

function changesOf<T>(z: ReturnType<typeof memoryZone>, at: number, rule: (tx: ZoneTx) => T): ZoneChanges {
  return z.run(at, (tx) => {
    rule(tx);
    return tx.changes;
  });
}

const escalationAudit = (z: ReturnType<typeof memoryZone>, deliveryId: string) =>
  z.auditOf(deliveryId).filter((e) => e.eventType.startsWith("escalation_"));

describe("escalation ladder in the zone", () => {
  it("climbs 1 → 2 → 3 at each threshold exactly, nothing just before, each level once", () => {
    const z = memoryZone();
    const d = z.addDelivery(T0);
    expect(z.delivery(d.id).unassigned?.failureReason).toBe("zone_empty");
    expect(z.state.timer("escalation", d.id)?.dueAt).toBe(T0 + 300 * S);

    expect(alarmAt(z, T0 + 300 * S - 1).tickets).toEqual([]);
    expect(z.delivery(d.id).unassigned?.escalationLevel).toBe(0);

    const level1 = alarmAt(z, T0 + 300 * S);
    const record = z.delivery(d.id).unassigned!;
    expect(record).toMatchObject({ escalationLevel: 1, escalationStatus: "NOTIFIED", notificationSentAt: new Date(T0 + 300 * S).toISOString() });
    expect(level1.tickets).toHaveLength(1);
    const [ticket] = level1.tickets;
    expect(ticket).toMatchObject({
      id: record.supportTicketId,
      deliveryId: d.id,
      priority: "high",
      status: "OPEN",
      title: `Order ${d.sellerOrderId} unassigned for 5+ minutes`,
    });
    expect(ticket!.description).toContain(d.sellerOrderId);
    expect(ticket!.description).toContain("Central");
    expect(level1.events.map((e) => [e.event.type, e.audiences])).toEqual([
      ["support_ticket_created", ["ops"]],
      ["unassigned_order_escalated", ["ops"]],
    ]);
    expect(level1.events[1]!.event).toMatchObject({ level: 1, reason: "zone_empty", supportTicketId: ticket!.id });
    expect(level1.notifications.map((n) => [n.type, n.severity])).toEqual([
      ["support_ticket_created", "warning"],
      ["unassigned_order_escalated", "warning"],
    ]);
    expect(z.state.timer("escalation", d.id)?.dueAt).toBe(T0 + 900 * S);

    // Alarm retries (or a late second run) change nothing.
    expect(alarmAt(z, T0 + 300 * S).audit).toEqual([]);
    expect(alarmAt(z, T0 + 900 * S - 1).audit).toEqual([]);

    const level2 = alarmAt(z, T0 + 900 * S);
    expect(level2.tickets).toEqual([]);
    expect(z.delivery(d.id).unassigned).toMatchObject({ escalationLevel: 2, escalationStatus: "NOTIFIED", supportTicketId: ticket!.id });

    alarmAt(z, T0 + 1800 * S - 1);
    const level3 = alarmAt(z, T0 + 1800 * S);
    expect(level3.notifications.map((n) => [n.type, n.severity])).toEqual([["unassigned_order_escalated", "critical"]]);
    expect(z.delivery(d.id).unassigned?.escalationLevel).toBe(3);
    expect(z.state.timer("escalation", d.id)).toBeUndefined();
    expect(alarmAt(z, T0 + 86_400 * S).audit).toEqual([]);

    expect(escalationAudit(z, d.id).map((e) => [e.eventType, e.details.level, e.actorType])).toEqual([
      ["escalation_triggered", 1, "system"],
      ["escalation_triggered", 2, "system"],
      ["escalation_critical", 3, "system"],
    ]);
    expect(escalationAudit(z, d.id)[1]!.details).toMatchObject({ radiusKm: 10, trigger: "ladder" });
  });

  it("follows custom thresholds and fires every level reached at once when the alarm is late", () => {
    const z = memoryZone({ escalationSeconds: [2, 4, 6] });
    const d = z.addDelivery(T0);
    expect(z.state.timer("escalation", d.id)?.dueAt).toBe(T0 + 2 * S);
    const late = alarmAt(z, T0 + 5 * S);
    expect(late.audit.filter((e) => e.eventType.startsWith("escalation_")).map((e) => e.details.level)).toEqual([1, 2]);
    expect(z.state.timer("escalation", d.id)?.dueAt).toBe(T0 + 6 * S);
  });

  it("stops when a driver accepts before the next level: record REASSIGNED, timer gone", () => {
    const z = memoryZone();
    const d = z.addDelivery(T0);
    alarmAt(z, T0 + 300 * S);
    const driver = z.addOnlineDriver(T0 + 400 * S, { location: TWO_KM });
    const [offer] = z.pendingOffersOf(d.id);
    expect(offer?.driverId).toBe(driver.id);
    z.run(T0 + 410 * S, (tx) => acceptOffer(tx, driver.id, offer!.id));
    expect(z.delivery(d.id).unassigned).toMatchObject({ escalationLevel: 1, escalationStatus: "REASSIGNED" });
    expect(z.state.timer("escalation", d.id)).toBeUndefined();
    expect(alarmAt(z, T0 + 2000 * S).audit).toEqual([]);
    expect(escalationAudit(z, d.id)).toHaveLength(1);
  });

  it("resumes after a release, and a cancelled delivery's record is CANCELLED with no ladder left", () => {
    const z = memoryZone();
    const d = z.addDelivery(T0);
    const driver = z.addOnlineDriver(T0 + 10 * S, { location: TWO_KM });
    const [offer] = z.pendingOffersOf(d.id);
    z.run(T0 + 20 * S, (tx) => acceptOffer(tx, driver.id, offer!.id));
    expect(z.state.timer("escalation", d.id)).toBeUndefined();
    z.run(T0 + 1000 * S, (tx) => releaseDelivery(tx, driver.id, d.id, "flat tyre"));
    // Measured from creation: 1000 s in, levels 1 and 2 are both overdue.
    expect(z.state.timer("escalation", d.id)?.dueAt).toBe(T0 + 300 * S);
    alarmAt(z, T0 + 1001 * S);
    expect(z.delivery(d.id).unassigned?.escalationLevel).toBe(2);

    z.run(T0 + 1100 * S, (tx) => cancelDelivery(tx, d.id, "customer cancelled", OPS));
    expect(z.view(T0 + 1100 * S).requireDelivery(d.id).unassigned?.escalationStatus).toBe("CANCELLED");
    expect(z.state.timer("escalation", d.id)).toBeUndefined();
  });

  it("level 2 runs one round at the widened radius, past the attempt limit", () => {
    const z = memoryZone({ maxOfferAttempts: 1 });
    const near = z.addOnlineDriver(T0, { location: TWO_KM });
    const d = z.addDelivery(T0, { pickup: PICKUP });
    const [first] = z.pendingOffersOf(d.id);
    expect(first?.driverId).toBe(near.id);
    z.run(T0 + 5 * S, (tx) => rejectOffer(tx, near.id, first!.id, "too_far"));
    expect(z.delivery(d.id).unassigned?.failureReason).toBe("offers_exhausted");
    expect(z.pendingOffersOf(d.id)).toEqual([]);

    alarmAt(z, T0 + 300 * S);
    // Out of attempts (and 7 km out): a driver coming online there is not offered it yet.
    const far = z.addOnlineDriver(T0 + 890 * S, { location: SEVEN_KM });
    expect(z.pendingOffersOf(d.id)).toEqual([]);
    const level2 = alarmAt(z, T0 + 900 * S);
    const widened = z.pendingOffersOf(d.id);
    expect(widened.map((o) => o.driverId)).toEqual([far.id]);
    const types = level2.audit.map((e) => e.eventType);
    expect(types.indexOf("escalation_triggered")).toBeLessThan(types.indexOf("offer_created"));
    z.run(T0 + 905 * S, (tx) => acceptOffer(tx, far.id, widened[0]!.id));
    expect(z.delivery(d.id)).toMatchObject({ status: "assigned", assignedDriverId: far.id });
    expect(z.delivery(d.id).unassigned).toMatchObject({ escalationLevel: 2, escalationStatus: "REASSIGNED" });
  });

  it("opens a record for a delivery that matching never gave up on (manual dispatch)", () => {
    const z = memoryZone();
    const d = z.addDelivery(T0, { dispatch: "manual" });
    expect(z.delivery(d.id).unassigned).toBeNull();
    z.addOnlineDriver(T0 + 290 * S, { location: TWO_KM });
    alarmAt(z, T0 + 300 * S);
    expect(z.delivery(d.id).unassigned).toMatchObject({ escalationLevel: 1, failureReason: "no_available_drivers", attemptCount: 1 });
  });

  it("check runs the ladder now; run again at once it escalates nothing", () => {
    const z = memoryZone({ escalationSeconds: [60, 120, 180] });
    const a = z.addDelivery(T0);
    z.addDelivery(T0 + 30 * S);
    const first = z.run(T0 + 70 * S, (tx) => checkEscalations(tx));
    expect(first).toEqual({ checked: 2, escalated: 1 });
    expect(z.run(T0 + 70 * S, (tx) => checkEscalations(tx))).toEqual({ checked: 2, escalated: 0 });
    // The alarm due at the same time finds the work done.
    expect(alarmAt(z, T0 + 70 * S).audit).toEqual([]);
    expect(escalationAudit(z, a.id).map((e) => [e.details.level, e.details.trigger])).toEqual([[1, "check"]]);
  });

  it("manual escalation: above the current level only, lower levels fire first, ladder goes on", () => {
    const z = memoryZone();
    const d = z.addDelivery(T0);
    const recordId = z.delivery(d.id).unassigned!.id;
    const request = { recordId, deliveryId: d.id, level: 2, reason: "VIP customer", notes: "call the store" };
    const answer = z.run(T0 + 60 * S, (tx) => escalateManually(tx, request, OPS));
    expect(answer).toEqual({
      success: true,
      escalatedAt: new Date(T0 + 60 * S).toISOString(),
      newEscalationLevel: 2,
      supportTicketId: z.delivery(d.id).unassigned!.supportTicketId,
    });
    expect(escalationAudit(z, d.id).map((e) => [e.details.level, e.actorType, e.actorId, e.details.manualReason])).toEqual([
      [1, "admin", OPS.id, "VIP customer"],
      [2, "admin", OPS.id, "VIP customer"],
    ]);
    const again = z.attempt(T0 + 61 * S, (tx) => escalateManually(tx, request, OPS));
    expect(again.ok ? null : again.error.kind).toBe("conflict");
    const wrongRecord = z.attempt(T0 + 61 * S, (tx) => escalateManually(tx, { ...request, recordId: d.id, level: 3 }, OPS));
    expect(wrongRecord.ok ? null : wrongRecord.error.kind).toBe("not_found");
    expect(z.state.timer("escalation", d.id)?.dueAt).toBe(T0 + 1800 * S);
    alarmAt(z, T0 + 1800 * S);
    expect(escalationAudit(z, d.id).map((e) => e.eventType)).toEqual(["escalation_triggered", "escalation_triggered", "escalation_critical"]);
  });

  it("new thresholds move the timers of waiting deliveries", () => {
    const z = memoryZone();
    const d = z.addDelivery(T0);
    changesOf(z, T0 + 10 * S, (tx) => updateZoneSettings(tx, { escalationSeconds: [30, 60, 90] }));
    expect(z.state.timer("escalation", d.id)?.dueAt).toBe(T0 + 30 * S);
  });
});
