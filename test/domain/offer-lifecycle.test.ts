import { describe, expect, it } from "vitest";
import type { ZoneSettings } from "../../src/contracts/zones";
import { changeAvailability } from "../../src/domain/availability-changes";
import { cancelDelivery, reassignDelivery, releaseDelivery, reportDeliveryStatus } from "../../src/domain/delivery-progress";
import { DomainError } from "../../src/domain/errors";
import type { LatLon } from "../../src/domain/geo";
import type { DriverRecord } from "../../src/domain/model";
import { acceptOffer, expireOffer, rejectOffer } from "../../src/domain/offer-lifecycle";
import { editDriverProfile, recordLocation, setZonePreferences } from "../../src/domain/driver-roster";
import { fireDueTimers } from "../../src/domain/timers";
import { OPS, T0, driverActor, memoryZone } from "./zone-fixture";

const PICKUP: LatLon = { lat: 12.95, lon: 77.6 };
/** A point `km` north of the pickup. */
const north = (km: number): LatLon => ({ lat: PICKUP.lat + km / 111.19508, lon: PICKUP.lon });
const S = 1000;

/**
 * A zone whose drivers rank in the order given: each sits in its own 500 m distance band
 * north of the pickup (0.2, 0.7, 1.2 … km). Drivers are kept from going silent.
 */
function zoneWithRankedDrivers(count: number, settings: Partial<ZoneSettings> = {}) {
  const z = memoryZone({ offlineAfterSeconds: 3600, ...settings }, { freeze: true });
  const drivers: DriverRecord[] = [];
  for (let i = 0; i < count; i++) drivers.push(z.addOnlineDriver(T0, { location: north(0.2 + 0.5 * i) }));
  return { z, drivers };
}

function thrown(action: () => unknown): DomainError {
  try {
    action();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

describe("sequential offers", () => {
  it("offers a new delivery to the best candidate only", () => {
    const { z, drivers } = zoneWithRankedDrivers(3);
    const d = z.addDelivery(T0);
    const pending = z.pendingOffersOf(d.id);
    expect(pending.map((o) => [o.driverId, o.mode, o.expiresAt])).toEqual([[drivers[0]!.id, "auto", "2026-02-01T10:00:30.000Z"]]);
    expect(z.delivery(d.id)).toMatchObject({ status: "ready", autoOfferCount: 1, unassigned: null });
    expect(z.auditOf(d.id).map((e) => [e.version, e.eventType, e.actorType])).toEqual([
      [1, "created", "service"],
      [2, "assignment_started", "system"],
      [3, "driver_candidates_found", "system"],
      [4, "offer_created", "system"],
    ]);
  });

  it("on reject, offers the next-ranked driver at once and names that offer", () => {
    const { z, drivers } = zoneWithRankedDrivers(3);
    const [first, second] = [drivers[0]!, drivers[1]!];
    const d = z.addDelivery(T0);
    const offer = z.pendingOffersOf(d.id)[0]!;

    const result = z.command(T0 + 5 * S, "rejectOffer", { driverId: first.id, offerId: offer.id, reason: "too_far" });

    expect(z.offer(offer.id)).toMatchObject({ status: "REJECTED", rejectionReason: "too_far", rejectedAt: "2026-02-01T10:00:05.000Z" });
    expect(result).toEqual({ nextOfferId: expect.any(String), reason: "too_far" });
    const next = z.offer(result.nextOfferId!);
    expect([next.driverId, next.status]).toEqual([second.id, "PENDING"]);
    expect(z.pendingOffersOf(d.id).map((o) => o.id)).toEqual([next.id]);
    expect(z.delivery(d.id).excludedDriverIds).toEqual([first.id]);
    expect(z.driver(first.id)).toMatchObject({ availability: "available", lastSeenAt: T0 + 5 * S });
    expect(z.state.timer("offer_expiry", offer.id)).toBeUndefined();
    expect(z.state.timer("offer_expiry", next.id)?.dueAt).toBe(T0 + 35 * S);
    expect(z.auditOf(d.id).slice(4).map((e) => [e.eventType, e.actorType, e.details.driverId])).toEqual([
      ["offer_rejected", "driver", first.id],
      ["driver_candidates_found", "system", undefined],
      ["offer_created", "system", second.id],
    ]);
  });

  it("on expiry, offers the next-ranked driver; nothing happens a moment before", () => {
    const { z, drivers } = zoneWithRankedDrivers(3);
    const d = z.addDelivery(T0);
    const offer = z.pendingOffersOf(d.id)[0]!;

    const early = z.run(T0 + 30 * S - 1, (tx) => fireDueTimers(tx));
    expect(early.expiredOffers).toEqual([]);
    expect(z.offer(offer.id).status).toBe("PENDING");

    const due = z.run(T0 + 30 * S, (tx) => fireDueTimers(tx));
    expect(due.expiredOffers.map((o) => [o.id, o.status])).toEqual([[offer.id, "EXPIRED"]]);
    expect(z.pendingOffersOf(d.id).map((o) => [o.driverId, o.expiresAt])).toEqual([[drivers[1]!.id, "2026-02-01T10:01:00.000Z"]]);
    expect(z.delivery(d.id).excludedDriverIds).toEqual([drivers[0]!.id]);
    const expired = z.auditOf(d.id).find((e) => e.eventType === "offer_expired")!;
    expect(expired).toMatchObject({ actorType: "system", details: { offerId: offer.id, driverId: drivers[0]!.id } });
  });

  it("expiry firing twice (or for an offer already answered) changes nothing the second time", () => {
    const { z } = zoneWithRankedDrivers(3);
    const d = z.addDelivery(T0);
    const offer = z.pendingOffersOf(d.id)[0]!;
    z.run(T0 + 30 * S, (tx) => fireDueTimers(tx));
    const auditBefore = z.log.audit.length;
    const snapshot = JSON.stringify([...z.log.offers.values()]);

    for (const at of [T0 + 30 * S, T0 + 31 * S]) {
      const again = z.run(at, (tx) => ({ outcome: fireDueTimers(tx), changes: tx.changes }));
      expect(again.outcome.expiredOffers).toEqual([]);
      expect(again.changes.offers.size + again.changes.deliveries.size + again.changes.audit.length).toBe(0);
      // The handler itself, run directly on the already-expired offer.
      const direct = z.run(at, (tx) => ({ result: expireOffer(tx, offer.id), changes: tx.changes }));
      expect(direct.result).toBeNull();
      expect(direct.changes.offers.size + direct.changes.audit.length + direct.changes.timers.size).toBe(0);
    }
    expect(z.log.audit.length).toBe(auditBefore);
    expect(JSON.stringify([...z.log.offers.values()])).toBe(snapshot);
  });

  it("a timer firing before expiresAt leaves the offer pending and re-arms at expiresAt", () => {
    const { z } = zoneWithRankedDrivers(2);
    const d = z.addDelivery(T0);
    const offer = z.pendingOffersOf(d.id)[0]!;
    const result = z.run(T0 + 10 * S, (tx) => expireOffer(tx, offer.id));
    expect(result).toBeNull();
    expect(z.offer(offer.id).status).toBe("PENDING");
    expect(z.state.timer("offer_expiry", offer.id)?.dueAt).toBe(T0 + 30 * S);
  });

  it("an accept at or after expiresAt, before the timer ran, is a 409 and changes nothing", () => {
    const { z, drivers } = zoneWithRankedDrivers(2);
    const d = z.addDelivery(T0);
    const offer = z.pendingOffersOf(d.id)[0]!;
    const auditBefore = z.log.audit.length;

    const error = thrown(() => z.run(T0 + 30 * S, (tx) => acceptOffer(tx, drivers[0]!.id, offer.id)));
    expect(error).toMatchObject({ kind: "conflict", message: "Offer has expired" });
    expect(z.offer(offer.id).status).toBe("PENDING");
    expect(z.driver(drivers[0]!.id).availability).toBe("available");
    expect(z.delivery(d.id).status).toBe("ready");
    expect(z.log.audit.length).toBe(auditBefore);
    // A rejection that late is refused the same way.
    expect(thrown(() => z.run(T0 + 31 * S, (tx) => rejectOffer(tx, drivers[0]!.id, offer.id, "other"))).kind).toBe("conflict");

    // One millisecond earlier it would have been taken.
    const accepted = z.run(T0 + 30 * S - 1, (tx) => acceptOffer(tx, drivers[0]!.id, offer.id));
    expect(accepted.responseTimeMs).toBe(30 * S - 1);
    expect(z.delivery(d.id)).toMatchObject({ status: "assigned", assignedDriverId: drivers[0]!.id });
  });

  it("an answer to an offer that is not PENDING is a 409; to another driver's offer a 404", () => {
    const { z, drivers } = zoneWithRankedDrivers(2);
    const d = z.addDelivery(T0);
    const offer = z.pendingOffersOf(d.id)[0]!;
    expect(thrown(() => z.run(T0, (tx) => acceptOffer(tx, drivers[1]!.id, offer.id))).kind).toBe("not_found");
    z.run(T0 + S, (tx) => rejectOffer(tx, drivers[0]!.id, offer.id, "no_time"));
    const again = thrown(() => z.run(T0 + 2 * S, (tx) => acceptOffer(tx, drivers[0]!.id, offer.id)));
    expect(again).toMatchObject({ kind: "conflict", message: "Offer already processed (REJECTED)" });
  });
});

describe("broadcast offers", () => {
  it("offers the best broadcastSize at once; the first accept wins and the others are cancelled", () => {
    const { z, drivers } = zoneWithRankedDrivers(4, { dispatchMode: "broadcast", broadcastSize: 3 });
    const d = z.addDelivery(T0);
    const offers = z.pendingOffersOf(d.id);
    expect(offers.map((o) => o.driverId)).toEqual(drivers.slice(0, 3).map((x) => x.id));
    expect(z.delivery(d.id).autoOfferCount).toBe(3);
    const winner = offers[1]!;

    const { assignment } = z.run(T0 + 4 * S, (tx) => acceptOffer(tx, winner.driverId, winner.id));

    expect(z.offer(winner.id).status).toBe("ACCEPTED");
    for (const loser of [offers[0]!, offers[2]!]) {
      expect(z.offer(loser.id)).toMatchObject({ status: "CANCELLED", cancelReason: "delivery_assigned" });
      expect(z.state.timer("offer_expiry", loser.id)).toBeUndefined();
      expect(z.driver(loser.driverId).availability).toBe("available");
    }
    expect(z.delivery(d.id)).toMatchObject({ status: "assigned", assignedDriverId: winner.driverId, assignmentId: assignment.id });
    expect(assignment).toMatchObject({ status: "ACTIVE", offerId: winner.id, driverId: winner.driverId });
    expect(z.driver(winner.driverId).availability).toBe("busy");
    const tail = z.auditOf(d.id).slice(-4);
    expect(tail.map((e) => [e.eventType, e.actorType, e.details.driverId])).toEqual([
      ["offer_accepted", "driver", winner.driverId],
      ["driver_assigned", "system", winner.driverId],
      ["offer_cancelled", "system", offers[0]!.driverId],
      ["offer_cancelled", "system", offers[2]!.driverId],
    ]);
    // The losers' late accepts are refused.
    for (const loser of [offers[0]!, offers[2]!]) {
      const error = thrown(() => z.run(T0 + 5 * S, (tx) => acceptOffer(tx, loser.driverId, loser.id)));
      expect(error).toMatchObject({ kind: "conflict", message: "Offer already processed (CANCELLED)" });
    }
  });

  it("of accepts arriving in any order exactly one succeeds", () => {
    const orders = [
      [0, 1, 2],
      [2, 1, 0],
      [1, 0, 2],
    ];
    for (const order of orders) {
      const { z } = zoneWithRankedDrivers(3, { dispatchMode: "broadcast", broadcastSize: 3 });
      const d = z.addDelivery(T0);
      const offers = z.pendingOffersOf(d.id);
      const outcomes = order.map((i) => z.attempt(T0 + S, (tx) => acceptOffer(tx, offers[i]!.driverId, offers[i]!.id)).ok);
      expect(outcomes).toEqual([true, false, false]);
      expect([...z.log.assignments.values()].filter((a) => a.deliveryId === d.id)).toHaveLength(1);
      expect(z.delivery(d.id).assignedDriverId).toBe(offers[order[0]!]!.driverId);
    }
  });

  it("never offers more than maxOfferAttempts in total", () => {
    const { z } = zoneWithRankedDrivers(3, { dispatchMode: "broadcast", broadcastSize: 3, maxOfferAttempts: 2 });
    const d = z.addDelivery(T0);
    expect(z.pendingOffersOf(d.id)).toHaveLength(2);
    expect(z.delivery(d.id).autoOfferCount).toBe(2);
  });
});

describe("nobody to offer to", () => {
  it("records why on the unassigned record, and counts each later failed round", () => {
    const z = memoryZone({ offlineAfterSeconds: 3600 }, { freeze: true });
    const d = z.addDelivery(T0, { requirements: { vehicleTypes: ["car"] } });
    expect(z.delivery(d.id).unassigned).toMatchObject({
      failureReason: "zone_empty",
      attemptCount: 1,
      escalationLevel: 0,
      escalationStatus: "PENDING",
      firstAttemptAt: "2026-02-01T10:00:00.000Z",
      lastAttemptAt: "2026-02-01T10:00:00.000Z",
      location: PICKUP,
      deliveryId: d.id,
    });
    expect(z.auditOf(d.id).map((e) => e.eventType)).toEqual(["created", "assignment_started", "driver_candidates_found"]);
    expect(z.auditOf(d.id)[2]!.details).toEqual({ count: 0, radiusKm: 5, failureReason: "zone_empty" });
    const round = (at: number) => z.run(at, (tx) => reassignDelivery(tx, d.id, undefined, OPS));

    // A car far away: its coming online is not a round for this delivery (it cannot take it)…
    const farCar = z.addOnlineDriver(T0 + S, { location: north(12), vehicleType: "car" });
    expect(z.delivery(d.id).unassigned?.attemptCount).toBe(1);
    // …but the next round says why.
    round(T0 + 2 * S);
    expect(z.delivery(d.id).unassigned).toMatchObject({ failureReason: "distance_exceeded", attemptCount: 2, lastAttemptAt: "2026-02-01T10:00:02.000Z", firstAttemptAt: "2026-02-01T10:00:00.000Z" });

    // A scooter nearby cannot carry it either; the car goes off shift.
    z.run(T0 + 3 * S, (tx) => changeAvailability(tx, farCar.id, "end_shift", driverActor(farCar.id)));
    const scooter = z.addOnlineDriver(T0 + 3 * S, { location: north(0.5), vehicleType: "scooter" });
    round(T0 + 4 * S);
    expect(z.delivery(d.id).unassigned).toMatchObject({ failureReason: "no_available_drivers", attemptCount: 3 });

    // The scooter is busy with another delivery: everyone working is busy.
    const other = z.addDelivery(T0 + 5 * S);
    const otherOffer = z.pendingOffersOf(other.id)[0]!;
    expect(otherOffer.driverId).toBe(scooter.id);
    z.run(T0 + 6 * S, (tx) => acceptOffer(tx, scooter.id, otherOffer.id));
    round(T0 + 7 * S);
    expect(z.delivery(d.id).unassigned).toMatchObject({ failureReason: "all_drivers_busy", attemptCount: 4 });
    // Only the first round audits the search; later ones just update the record.
    expect(z.auditOf(d.id).filter((e) => e.eventType === "driver_candidates_found")).toHaveLength(1);

    // A car nearby: offered at once; once it accepts the record is marked REASSIGNED.
    const car = z.addOnlineDriver(T0 + 8 * S, { location: north(1), vehicleType: "car" });
    const offer = z.pendingOffersOf(d.id)[0]!;
    expect(offer.driverId).toBe(car.id);
    z.run(T0 + 9 * S, (tx) => acceptOffer(tx, car.id, offer.id));
    expect(z.delivery(d.id).unassigned).toMatchObject({ escalationStatus: "REASSIGNED", attemptCount: 4 });
  });

  it("gives up with offers_exhausted after maxOfferAttempts automatic offers", () => {
    const { z, drivers } = zoneWithRankedDrivers(3, { maxOfferAttempts: 2 });
    const d = z.addDelivery(T0);
    const first = z.pendingOffersOf(d.id)[0]!;
    const { nextOfferId } = z.command(T0 + S, "rejectOffer", { driverId: drivers[0]!.id, offerId: first.id, reason: "too_far" });
    expect(z.offer(nextOfferId!).driverId).toBe(drivers[1]!.id);
    const last = z.command(T0 + 2 * S, "rejectOffer", { driverId: drivers[1]!.id, offerId: nextOfferId!, reason: "no_time" });
    expect(last.nextOfferId).toBeUndefined();
    expect(z.pendingOffersOf(d.id)).toEqual([]);
    expect(z.delivery(d.id)).toMatchObject({ status: "ready", autoOfferCount: 2 });
    expect(z.delivery(d.id).unassigned).toMatchObject({ failureReason: "offers_exhausted", attemptCount: 1 });
    // The third driver, still free and in range, is never asked automatically.
    expect(z.offersOf(d.id).map((o) => o.driverId)).not.toContain(drivers[2]!.id);
  });
});

describe("new supply", () => {
  it("a driver coming online is offered the waiting delivery in the same decision", () => {
    const z = memoryZone({ offlineAfterSeconds: 3600 }, { freeze: true });
    const d = z.addDelivery(T0);
    expect(z.delivery(d.id).unassigned?.failureReason).toBe("zone_empty");
    const driver = z.addDriver(T0 + S, { location: north(1) });
    z.run(T0 + 2 * S, (tx) => changeAvailability(tx, driver.id, "resume", driverActor(driver.id)));
    expect(z.pendingOffersOf(d.id).map((o) => [o.driverId, o.createdAt])).toEqual([[driver.id, "2026-02-01T10:00:02.000Z"]]);
  });

  it("a driver whose break ends, or who is unpaused, is offered the waiting delivery", () => {
    const { z, drivers } = zoneWithRankedDrivers(1);
    const driver = drivers[0]!;
    z.run(T0, (tx) => changeAvailability(tx, driver.id, "take_break", driverActor(driver.id), { durationMinutes: 1 }));
    const d = z.addDelivery(T0 + S);
    expect(z.pendingOffersOf(d.id)).toEqual([]);
    z.run(T0 + 60 * S, (tx) => fireDueTimers(tx));
    expect(z.pendingOffersOf(d.id).map((o) => o.driverId)).toEqual([driver.id]);

    const z2 = zoneWithRankedDrivers(1);
    const paused = z2.drivers[0]!;
    z2.z.run(T0, (tx) => changeAvailability(tx, paused.id, "pause", OPS));
    const d2 = z2.z.addDelivery(T0 + S);
    expect(z2.z.pendingOffersOf(d2.id)).toEqual([]);
    z2.z.run(T0 + 2 * S, (tx) => changeAvailability(tx, paused.id, "unpause", OPS));
    expect(z2.z.pendingOffersOf(d2.id).map((o) => o.driverId)).toEqual([paused.id]);
  });

  it("a driver who finishes a delivery is offered the highest-priority waiting one", () => {
    const { z, drivers } = zoneWithRankedDrivers(1);
    const driver = drivers[0]!;
    const first = z.addDelivery(T0);
    z.run(T0 + S, (tx) => acceptOffer(tx, driver.id, z.pendingOffersOf(first.id)[0]!.id));
    const low = z.addDelivery(T0 + 2 * S, { priority: 10 });
    const high = z.addDelivery(T0 + 3 * S, { priority: 90 });
    for (const status of ["picked_up", "in_transit", "delivered"] as const) {
      z.run(T0 + 4 * S, (tx) => reportDeliveryStatus(tx, driver.id, first.id, status, null));
    }
    expect(z.pendingOffersOf(high.id).map((o) => o.driverId)).toEqual([driver.id]);
    expect(z.pendingOffersOf(low.id)).toEqual([]);
  });

  it("a driver whose offer is withdrawn because the delivery was cancelled is free for a waiting one", () => {
    const { z, drivers } = zoneWithRankedDrivers(2);
    const a = z.addDelivery(T0);
    const b = z.addDelivery(T0);
    expect([z.pendingOffersOf(a.id)[0]!.driverId, z.pendingOffersOf(b.id)[0]!.driverId]).toEqual([drivers[0]!.id, drivers[1]!.id]);
    const waiting = z.addDelivery(T0 + S);
    expect(z.delivery(waiting.id).unassigned?.failureReason).toBe("all_drivers_busy");

    z.run(T0 + 2 * S, (tx) => cancelDelivery(tx, a.id, "customer_cancelled", OPS));

    expect(z.pendingOffersOf(waiting.id).map((o) => o.driverId)).toEqual([drivers[0]!.id]);
  });
});

describe("new supply (profile, preference, withdrawn offers)", () => {
  it("a free driver who now fits (vehicle, capability, zone preference) is offered the waiting delivery", () => {
    const z = memoryZone({ offlineAfterSeconds: 3600 }, { freeze: true });
    const driver = z.addOnlineDriver(T0, { location: north(1), vehicleType: "bike", capabilities: [] });
    z.run(T0, (tx) => setZonePreferences(tx, driver.id, [{ zoneId: z.zone.id, preference: "UNAVAILABLE" }]));
    const d = z.addDelivery(T0 + S, { requirements: { vehicleTypes: ["car"], capabilities: ["cold_chain"] } });
    expect(z.delivery(d.id).unassigned?.failureReason).toBe("no_available_drivers");

    z.run(T0 + 2 * S, (tx) => editDriverProfile(tx, driver.id, { vehicleType: "car", capabilities: ["cold_chain"] }));
    expect(z.pendingOffersOf(d.id)).toEqual([]); // still UNAVAILABLE for this zone
    const updated = z.command(T0 + 3 * S, "setZonePreferences", {
      driverId: driver.id,
      preferences: [{ zoneId: z.zone.id, preference: "PREFERRED" }],
    });
    expect(z.pendingOffersOf(d.id).map((o) => o.driverId)).toEqual([driver.id]);
    expect(updated.offerStats.offered).toBe(1);
  });

  it("drivers whose offers ops withdrew by reassigning are free for the other waiting deliveries", () => {
    const { z, drivers } = zoneWithRankedDrivers(2, { dispatchMode: "broadcast", broadcastSize: 2 });
    const d = z.addDelivery(T0);
    expect(z.pendingOffersOf(d.id)).toHaveLength(2);
    const waiting = z.addDelivery(T0 + S);
    expect(z.delivery(waiting.id).unassigned?.failureReason).toBe("all_drivers_busy");

    z.run(T0 + 3 * S, (tx) => reassignDelivery(tx, d.id, drivers[1]!.id, OPS));

    expect(z.delivery(d.id).assignedDriverId).toBe(drivers[1]!.id);
    expect(z.pendingOffersOf(waiting.id).map((o) => o.driverId)).toEqual([drivers[0]!.id]);
  });

  it("a delivery out of automatic offers is not re-counted by every move of a free driver nearby", () => {
    const { z, drivers } = zoneWithRankedDrivers(2, { maxOfferAttempts: 1 });
    const d = z.addDelivery(T0);
    const offer = z.pendingOffersOf(d.id)[0]!;
    z.run(T0 + S, (tx) => rejectOffer(tx, offer.driverId, offer.id, "other"));
    const record = z.delivery(d.id).unassigned!;
    expect(record).toMatchObject({ failureReason: "offers_exhausted", attemptCount: 1 });

    for (let i = 2; i < 6; i++) {
      const changes = z.run(T0 + i * S, (tx) => {
        recordLocation(tx, drivers[1]!.id, north(0.7 + i / 100));
        return tx.changes;
      });
      expect(changes.deliveries.size + changes.unassigned.size + changes.audit.length).toBe(0);
    }
    z.run(T0 + 7 * S, (tx) => changeAvailability(tx, drivers[1]!.id, "take_break", driverActor(drivers[1]!.id), { durationMinutes: 1 }));
    z.run(T0 + 8 * S, (tx) => changeAvailability(tx, drivers[1]!.id, "resume", driverActor(drivers[1]!.id)));
    expect(z.delivery(d.id).unassigned).toBe(record);
    // Ops can still place it by hand.
    z.run(T0 + 9 * S, (tx) => reassignDelivery(tx, d.id, drivers[1]!.id, OPS));
    expect(z.delivery(d.id)).toMatchObject({ status: "assigned", assignedDriverId: drivers[1]!.id });
  });
});

describe("release and ops reassign", () => {
  it("release puts the delivery back to ready without that driver and matches it again", () => {
    const { z, drivers } = zoneWithRankedDrivers(3);
    const [first, second, third] = [drivers[0]!, drivers[1]!, drivers[2]!];
    const d = z.addDelivery(T0);
    const { assignment } = z.run(T0 + S, (tx) => acceptOffer(tx, first.id, z.pendingOffersOf(d.id)[0]!.id));

    z.run(T0 + 2 * S, (tx) => releaseDelivery(tx, first.id, d.id, "vehicle_problem"));

    expect(z.delivery(d.id)).toMatchObject({ status: "ready", assignedDriverId: null, statusReason: "vehicle_problem" });
    expect(z.delivery(d.id).excludedDriverIds).toEqual([first.id]);
    expect(z.log.assignments.get(assignment.id)).toMatchObject({ status: "RELEASED", endReason: "vehicle_problem", endedAt: "2026-02-01T10:00:02.000Z" });
    expect(z.driver(first.id).availability).toBe("available");
    expect(z.pendingOffersOf(d.id).map((o) => o.driverId)).toEqual([second.id]);
    const released = z.auditOf(d.id).find((e) => e.eventType === "assignment_reassigned")!;
    expect(released).toMatchObject({ actorType: "driver", actorId: first.id, details: { from: "assigned", to: "ready", driverId: first.id } });

    // The releasing driver is never asked again: after the others decline, nobody is left.
    z.run(T0 + 3 * S, (tx) => rejectOffer(tx, second.id, z.pendingOffersOf(d.id)[0]!.id, "other"));
    expect(z.pendingOffersOf(d.id).map((o) => o.driverId)).toEqual([third.id]);
    z.run(T0 + 4 * S, (tx) => rejectOffer(tx, third.id, z.pendingOffersOf(d.id)[0]!.id, "other"));
    expect(z.pendingOffersOf(d.id)).toEqual([]);
    expect(z.delivery(d.id).unassigned?.failureReason).toBe("no_available_drivers");
  });

  it("release after pickup, or by another driver, is refused", () => {
    const { z, drivers } = zoneWithRankedDrivers(2);
    const d = z.addDelivery(T0);
    z.run(T0 + S, (tx) => acceptOffer(tx, drivers[0]!.id, z.pendingOffersOf(d.id)[0]!.id));
    expect(thrown(() => z.run(T0 + 2 * S, (tx) => releaseDelivery(tx, drivers[1]!.id, d.id, "x"))).kind).toBe("forbidden");
    z.run(T0 + 2 * S, (tx) => reportDeliveryStatus(tx, drivers[0]!.id, d.id, "picked_up", null));
    expect(thrown(() => z.run(T0 + 3 * S, (tx) => releaseDelivery(tx, drivers[0]!.id, d.id, "x"))).kind).toBe("conflict");
  });

  it("reassign to a driver assigns directly, audited as the admin's doing", () => {
    const { z, drivers } = zoneWithRankedDrivers(3);
    const [first, , third] = [drivers[0]!, drivers[1]!, drivers[2]!];
    const d = z.addDelivery(T0);
    const { assignment: old } = z.run(T0 + S, (tx) => acceptOffer(tx, first.id, z.pendingOffersOf(d.id)[0]!.id));
    const auditBefore = z.auditOf(d.id).length;

    z.run(T0 + 2 * S, (tx) => reassignDelivery(tx, d.id, third.id, OPS));

    const delivery = z.delivery(d.id);
    expect(delivery).toMatchObject({ status: "assigned", assignedDriverId: third.id });
    expect(z.log.assignments.get(old.id)).toMatchObject({ status: "REASSIGNED", endReason: "ops_reassign" });
    expect(z.log.assignments.get(delivery.assignmentId!)).toMatchObject({ status: "ACTIVE", driverId: third.id, offerId: null });
    expect(z.driver(first.id).availability).toBe("available");
    expect(z.driver(third.id).availability).toBe("busy");
    expect(delivery.excludedDriverIds).toEqual([first.id]);
    expect(z.auditOf(d.id).slice(auditBefore).map((e) => [e.eventType, e.actorType, e.actorId])).toEqual([
      ["assignment_reassigned", "admin", OPS.id],
      ["driver_assigned", "admin", OPS.id],
    ]);
    expect(z.pendingOffersOf(d.id)).toEqual([]);
  });

  it("reassign of a ready delivery withdraws its pending offer; a busy target or a picked-up delivery is a 409", () => {
    const { z, drivers } = zoneWithRankedDrivers(3);
    const d = z.addDelivery(T0);
    const pending = z.pendingOffersOf(d.id)[0]!;
    z.run(T0 + S, (tx) => reassignDelivery(tx, d.id, drivers[1]!.id, OPS));
    expect(z.offer(pending.id)).toMatchObject({ status: "CANCELLED", cancelReason: "ops_reassign" });
    expect(z.delivery(d.id).assignedDriverId).toBe(drivers[1]!.id);

    const other = z.addDelivery(T0 + 2 * S);
    expect(thrown(() => z.run(T0 + 3 * S, (tx) => reassignDelivery(tx, other.id, drivers[1]!.id, OPS))).kind).toBe("conflict");
    z.run(T0 + 3 * S, (tx) => reportDeliveryStatus(tx, drivers[1]!.id, d.id, "picked_up", null));
    expect(thrown(() => z.run(T0 + 4 * S, (tx) => reassignDelivery(tx, d.id, undefined, OPS))).kind).toBe("conflict");
  });
});

describe("ending a delivery", () => {
  it("cancel withdraws every pending offer", () => {
    const { z } = zoneWithRankedDrivers(3, { dispatchMode: "broadcast", broadcastSize: 2 });
    const d = z.addDelivery(T0);
    const offers = z.pendingOffersOf(d.id);
    expect(offers).toHaveLength(2);
    z.run(T0 + S, (tx) => cancelDelivery(tx, d.id, "customer_cancelled", OPS));
    expect(z.delivery(d.id)).toMatchObject({ status: "cancelled", statusReason: "customer_cancelled" });
    for (const offer of offers) {
      expect(z.offer(offer.id)).toMatchObject({ status: "CANCELLED", cancelReason: "delivery_cancelled" });
      expect(z.state.timer("offer_expiry", offer.id)).toBeUndefined();
    }
    expect(z.auditOf(d.id).slice(-3).map((e) => e.eventType)).toEqual(["delivery_cancelled", "offer_cancelled", "offer_cancelled"]);
    expect(z.state.deliveries.has(d.id)).toBe(false);
    expect(z.state.waiting.has(d.id)).toBe(false);
  });

  it("cancel of an assigned delivery frees the driver and cancels the assignment", () => {
    const { z, drivers } = zoneWithRankedDrivers(1);
    const d = z.addDelivery(T0);
    const { assignment } = z.run(T0 + S, (tx) => acceptOffer(tx, drivers[0]!.id, z.pendingOffersOf(d.id)[0]!.id));
    z.run(T0 + 2 * S, (tx) => cancelDelivery(tx, d.id, "store_closed", OPS));
    expect(z.log.assignments.get(assignment.id)).toMatchObject({ status: "CANCELLED", endReason: "delivery_cancelled" });
    expect(z.driver(drivers[0]!.id)).toMatchObject({ availability: "available", idleSince: T0 + 2 * S });
    // The freed driver cannot act on the cancelled delivery any more.
    expect(thrown(() => z.run(T0 + 3 * S, (tx) => reportDeliveryStatus(tx, drivers[0]!.id, d.id, "picked_up", null))).kind).toBe("conflict");
  });

  it("delivered completes the assignment and makes the driver available; illegal or foreign reports are refused", () => {
    const { z, drivers } = zoneWithRankedDrivers(2);
    const [driver, other] = [drivers[0]!, drivers[1]!];
    const d = z.addDelivery(T0);
    const { assignment } = z.run(T0 + S, (tx) => acceptOffer(tx, driver.id, z.pendingOffersOf(d.id)[0]!.id));
    expect(thrown(() => z.run(T0 + 2 * S, (tx) => reportDeliveryStatus(tx, driver.id, d.id, "delivered", null))).kind).toBe("conflict");
    expect(thrown(() => z.run(T0 + 2 * S, (tx) => reportDeliveryStatus(tx, other.id, d.id, "picked_up", null))).kind).toBe("forbidden");
    z.run(T0 + 2 * S, (tx) => reportDeliveryStatus(tx, driver.id, d.id, "picked_up", null));
    z.run(T0 + 3 * S, (tx) => reportDeliveryStatus(tx, driver.id, d.id, "in_transit", null));
    z.run(T0 + 4 * S, (tx) => reportDeliveryStatus(tx, driver.id, d.id, "delivered", null));

    expect(z.delivery(d.id).status).toBe("delivered");
    expect(z.log.assignments.get(assignment.id)).toMatchObject({ status: "COMPLETED", endReason: "delivery_delivered", endedAt: "2026-02-01T10:00:04.000Z" });
    expect(z.driver(driver.id)).toMatchObject({ availability: "available", idleSince: T0 + 4 * S });
    expect(z.auditOf(d.id).slice(-3).map((e) => [e.eventType, e.actorType, e.actorId])).toEqual([
      ["pickup_completed", "driver", driver.id],
      ["delivery_started", "driver", driver.id],
      ["delivery_completed", "driver", driver.id],
    ]);
    const history = z.log.history.filter((h) => h.driverId === driver.id).slice(-2);
    expect(history.map((h) => [h.fromState, h.toState, h.actorType, h.reason])).toEqual([
      ["available", "busy", "system", "assigned"],
      ["busy", "available", "system", "delivery_delivered"],
    ]);
    expect(thrown(() => z.run(T0 + 5 * S, (tx) => reportDeliveryStatus(tx, driver.id, d.id, "failed", null))).kind).toBe("conflict");
  });
});

describe("a driver leaving availability", () => {
  it("taking a break withdraws the pending offer and passes it to the next candidate", () => {
    const { z, drivers } = zoneWithRankedDrivers(3);
    const [first, second] = [drivers[0]!, drivers[1]!];
    const d = z.addDelivery(T0);
    const offer = z.pendingOffersOf(d.id)[0]!;

    z.run(T0 + S, (tx) => changeAvailability(tx, first.id, "take_break", driverActor(first.id), { durationMinutes: 1 }));

    expect(z.offer(offer.id)).toMatchObject({ status: "CANCELLED", cancelReason: "driver_on_break" });
    expect(z.pendingOffersOf(d.id).map((o) => o.driverId)).toEqual([second.id]);
    expect(z.delivery(d.id).excludedDriverIds).toEqual([first.id]);
    // Back from the break, the first driver is not offered this delivery again.
    z.run(T0 + 61 * S, (tx) => fireDueTimers(tx));
    expect(z.driver(first.id).availability).toBe("available");
    expect(z.offersOf(d.id).filter((o) => o.driverId === first.id)).toHaveLength(1);
  });

  it("a busy driver cannot take a break, end a shift or be paused", () => {
    const { z, drivers } = zoneWithRankedDrivers(1);
    const d = z.addDelivery(T0);
    z.run(T0 + S, (tx) => acceptOffer(tx, drivers[0]!.id, z.pendingOffersOf(d.id)[0]!.id));
    for (const [command, actor] of [
      ["take_break", driverActor(drivers[0]!.id)],
      ["end_shift", driverActor(drivers[0]!.id)],
      ["pause", OPS],
    ] as const) {
      expect(thrown(() => z.run(T0 + 2 * S, (tx) => changeAvailability(tx, drivers[0]!.id, command, actor, { durationMinutes: 5 }))).kind).toBe("conflict");
    }
    expect(z.driver(drivers[0]!.id).availability).toBe("busy");
  });
});
