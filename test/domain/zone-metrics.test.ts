/**
 * The zone's Prometheus counters as pure rules: counted from each decision's changes against the
 * state it ran on, they equal what the audit trail says (offers by outcome, escalation levels,
 * first assignments), and stored counters are read back without losing or inventing counts.
 */
import { describe, expect, it } from "vitest";
import type { CommandInput, CommandName, CommandValue } from "../../src/domain/zone-commands";
import { runDecision } from "../../src/domain/zone-commands";
import {
  ASSIGNMENT_WAIT_BUCKETS,
  OFFER_RESPONSE_BUCKETS,
  type ZoneCounters,
  countDecision,
  countWebhookSend,
  readCounters,
  zeroCounters,
  zoneGauges,
} from "../../src/domain/zone-metrics";
import { OPS, SERVICE, T0, memoryZone } from "./zone-fixture";

const S = 1000;

/** A memory zone whose decisions are counted as the zone object counts them. */
function countedZone(settings: Parameters<typeof memoryZone>[0] = {}) {
  const z = memoryZone(settings);
  let counters = zeroCounters();
  function decide<N extends CommandName>(at: number, name: N, input: CommandInput<N>): CommandValue<N> {
    const { value, changes } = runDecision(z.state, name, input, at, { newId: z.newId });
    counters = countDecision(counters, z.state, changes) ?? counters;
    z.state.apply(changes);
    return value;
  }
  return { z, decide, counters: () => counters };
}

const auditCount = (z: ReturnType<typeof memoryZone>, eventType: string) => z.log.audit.filter((e) => e.eventType === eventType).length;

describe("countDecision", () => {
  it("counts each closed offer, escalation level and first assignment once, as the audit has them", () => {
    const { z, decide, counters } = countedZone({ escalationSeconds: [60, 120, 180] });
    const [a, b, c] = [z.addOnlineDriver(), z.addOnlineDriver(), z.addOnlineDriver()];
    const d1 = z.addDelivery(T0, { dispatch: "manual" });
    const first = decide(T0 + S, "createOffer", { deliveryId: d1.id, driverId: a.id, actor: OPS });
    decide(T0 + 4 * S, "rejectOffer", { driverId: a.id, offerId: first.id });
    const second = decide(T0 + 5 * S, "createOffer", { deliveryId: d1.id, driverId: b.id, actor: OPS });
    decide(T0 + 12 * S, "acceptOffer", { driverId: b.id, offerId: second.id });
    const d2 = z.addDelivery(T0, { dispatch: "manual" });
    decide(T0 + 13 * S, "createOffer", { deliveryId: d2.id, driverId: c.id, expiresInSeconds: 10, actor: OPS });
    decide(T0 + 30 * S, "fireDueTimers", {});
    const d3 = z.addDelivery(T0, { dispatch: "manual" });
    decide(T0 + 31 * S, "createOffer", { deliveryId: d3.id, driverId: c.id, actor: OPS });
    decide(T0 + 32 * S, "cancelDelivery", { deliveryId: d3.id, reason: "changed_mind", actor: SERVICE });
    // d2 waits on: the ladder fires every level once, however often it is asked.
    decide(T0 + 200 * S, "checkEscalations", {});
    decide(T0 + 201 * S, "checkEscalations", {});
    // A release and a new accept is not a first assignment.
    decide(T0 + 202 * S, "releaseDelivery", { driverId: b.id, deliveryId: d1.id, reason: "flat_tyre" });
    const again = decide(T0 + 203 * S, "createOffer", { deliveryId: d1.id, driverId: c.id, actor: OPS });
    decide(T0 + 204 * S, "acceptOffer", { driverId: c.id, offerId: again.id });

    const counted = counters();
    expect(counted.offers).toEqual({
      accepted: auditCount(z, "offer_accepted"),
      rejected: auditCount(z, "offer_rejected"),
      expired: auditCount(z, "offer_expired"),
      cancelled: auditCount(z, "offer_cancelled"),
    });
    expect(counted.offers).toEqual({ accepted: 2, rejected: 1, expired: 1, cancelled: 1 });
    const levels = z.log.audit.filter((e) => e.eventType.startsWith("escalation_")).map((e) => String(e.details.level));
    expect(counted.escalations).toEqual({ "1": levels.filter((l) => l === "1").length, "2": levels.filter((l) => l === "2").length, "3": levels.filter((l) => l === "3").length });
    expect(z.log.audit.filter((e) => e.deliveryId === d2.id && e.eventType.startsWith("escalation_")).map((e) => e.details.level)).toEqual([1, 2, 3]);
    // Response times: 3 s reject, 7 s and 1 s accepts.
    expect(counted.offerResponseSeconds).toMatchObject({ count: 3, sum: 11 });
    expect(counted.offerResponseSeconds.counts[OFFER_RESPONSE_BUCKETS.indexOf(1)]).toBe(1);
    expect(counted.offerResponseSeconds.counts[OFFER_RESPONSE_BUCKETS.indexOf(5)]).toBe(1);
    expect(counted.offerResponseSeconds.counts[OFFER_RESPONSE_BUCKETS.indexOf(10)]).toBe(1);
    // d1's first assignment only, 12 s after it was created.
    expect(counted.assignmentWaitSeconds).toMatchObject({ count: 1, sum: 12 });
    expect(counted.assignmentWaitSeconds.counts[ASSIGNMENT_WAIT_BUCKETS.indexOf(30)]).toBe(1);
  });

  it("answers null for a decision that closes nothing (a location tick), so nothing more is written", () => {
    const z = memoryZone();
    const d = z.addOnlineDriver();
    const { changes } = runDecision(z.state, "recordLocation", { driverId: d.id, report: { lat: 12.951, lon: 77.601 } }, T0 + S, { newId: z.newId });
    expect(countDecision(zeroCounters(), z.state, changes)).toBeNull();
  });
});

describe("stored counters", () => {
  it("read back as stored, with counters unknown to the stored copy at zero and junk ignored", () => {
    const stored: ZoneCounters = countWebhookSend(countWebhookSend(zeroCounters(), "ops", "success"), "delivery", "dead_letter");
    stored.offers.accepted = 7;
    const roundTrip = readCounters(JSON.parse(JSON.stringify(stored)));
    expect(roundTrip).toEqual(stored);
    const partial = readCounters({ offers: { accepted: 3, rejected: -1, bogus: 9 }, offerResponseSeconds: { counts: [1, 2], sum: 1, count: 3 } });
    expect(partial.offers).toEqual({ accepted: 3, rejected: 0, expired: 0, cancelled: 0 });
    expect(partial.offerResponseSeconds).toEqual(zeroCounters().offerResponseSeconds);
    expect(readCounters(undefined)).toEqual(zeroCounters());
  });
});

describe("zoneGauges", () => {
  it("counts drivers by availability and live deliveries by status, with every label present", () => {
    const z = memoryZone();
    z.addOnlineDriver();
    z.addDriver();
    z.addDelivery(T0, { dispatch: "manual" });
    const gauges = zoneGauges(z.state);
    expect(gauges.driversByAvailability).toMatchObject({ available: 1, offline: 1, busy: 0 });
    expect(gauges.deliveriesByStatus).toEqual({ ready: 1, assigned: 0, picked_up: 0, in_transit: 0 });
    expect(Object.keys(gauges.unassignedByLevel)).toEqual(["0", "1", "2", "3"]);
  });
});
