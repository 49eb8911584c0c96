import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ZoneEvent } from "../../src/contracts/events";
import { cancelDelivery, reassignDelivery, reportDeliveryStatus } from "../../src/domain/delivery-progress";
import {
  ALL_TIME,
  NO_TOTALS,
  type PerformanceTotals,
  acceptanceRate,
  combineTotals,
  isOnTime,
  performanceMetrics,
  roundedRatio,
  toCents,
} from "../../src/domain/driver-performance";
import { acceptOffer, rejectOffer } from "../../src/domain/offer-lifecycle";
import { driverPerformance } from "../../src/domain/performance-view";
import { dayAround, localDate, weekAround } from "../../src/domain/zoned-periods";
import type { ZoneChanges } from "../../src/domain/zone-changes";
import { OPS, T0, memoryZone } from "./zone-fixture";

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();

describe("the formulas", () => {
  it("a driver with no offers and no deliveries has counts of 0 and no rates", () => {
    expect(performanceMetrics(NO_TOTALS)).toEqual({
      deliveriesCompleted: 0,
      acceptanceRate: null,
      onTimeRate: null,
      customerRating: null,
      avgResponseTimeMs: null,
      totalEarnings: 0,
    });
  });

  it("rounds half up at the contract's decimals: rates to 4, the rating to 2, response times to whole ms", () => {
    expect(roundedRatio(2, 3, 4)).toBe(0.6667);
    expect(roundedRatio(1, 8, 2)).toBe(0.13);
    expect(roundedRatio(37, 8, 2)).toBe(4.63);
    expect(roundedRatio(1, 3, 4)).toBe(0.3333);
    expect(roundedRatio(3, 2, 0)).toBe(2);
    expect(roundedRatio(5, 0, 4)).toBeNull();
    const totals: PerformanceTotals = {
      ...NO_TOTALS,
      delivered: 3,
      timed: 2,
      onTime: 1,
      rated: 3,
      ratingSum: 13,
      earningCents: 10 + 20 + 12345,
      accepted: 2,
      rejected: 1,
      expired: 3,
      responded: 3,
      responseMsSum: 1000 + 2000 + 2001,
    };
    expect(performanceMetrics(totals)).toEqual({
      deliveriesCompleted: 3,
      acceptanceRate: 0.3333,
      onTimeRate: 0.5,
      customerRating: 4.33,
      avgResponseTimeMs: 1667,
      totalEarnings: 123.75,
    });
  });

  it("withdrawn offers are nobody's choice: acceptance is accepted ÷ (accepted + rejected + expired)", () => {
    expect(acceptanceRate(0, 0, 0)).toBeNull();
    expect(acceptanceRate(0, 0, 1)).toBe(0);
    expect(acceptanceRate(3, 1, 0)).toBe(0.75);
  });

  it("is on time up to and including the estimate plus 5 minutes, late a millisecond after", () => {
    const estimate = "2026-02-01T10:30:00.000Z";
    expect(isOnTime(Date.parse(estimate), estimate)).toBe(true);
    expect(isOnTime(Date.parse(estimate) + 5 * MIN, estimate)).toBe(true);
    expect(isOnTime(Date.parse(estimate) + 5 * MIN + 1, estimate)).toBe(false);
  });

  it("sums pay in cents, so 2-decimal amounts add up exactly", () => {
    expect(performanceMetrics({ ...NO_TOTALS, earningCents: toCents(0.1) + toCents(0.2) }).totalEarnings).toBe(0.3);
    expect(toCents(133.16)).toBe(13316);
  });

  it("every rate is within [0, 1], has at most 4 decimals and is the ratio to within half a unit of the last one", () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000 }), fc.nat({ max: 10_000 }), fc.nat({ max: 10_000 }), (accepted, rejected, expired) => {
        const rate = acceptanceRate(accepted, rejected, expired);
        const whole = accepted + rejected + expired;
        if (whole === 0) return rate === null;
        return rate !== null && rate >= 0 && rate <= 1 && Math.abs(rate - accepted / whole) <= 0.00005 + 1e-12 && Math.round(rate * 1e4) / 1e4 === rate;
      }),
    );
  });

  it("taking back a record's share undoes adding it", () => {
    const totals = fc.record(Object.fromEntries(Object.keys(NO_TOTALS).map((k) => [k, fc.nat({ max: 1e6 })])) as Record<keyof PerformanceTotals, fc.Arbitrary<number>>);
    fc.assert(
      fc.property(totals, totals, (a, b) => {
        expect(combineTotals(combineTotals(a, b), b, -1)).toEqual(a);
      }),
    );
  });
});

describe("periods in the zone's time zone", () => {
  it("a day in Asia/Kolkata runs from local midnight (18:30 UTC) to the next, and the last millisecond before it is still that day", () => {
    const lastMs = Date.parse("2026-02-01T18:29:59.999Z"); // Sunday 23:59:59.999 IST
    expect(dayAround(lastMs, "Asia/Kolkata")).toEqual({ from: Date.parse("2026-01-31T18:30:00.000Z"), to: Date.parse("2026-02-01T18:30:00.000Z") });
    expect(dayAround(lastMs + 1, "Asia/Kolkata")).toEqual({ from: Date.parse("2026-02-01T18:30:00.000Z"), to: Date.parse("2026-02-02T18:30:00.000Z") });
    // The same instant is still 1 February in UTC.
    expect(dayAround(lastMs + 1, "UTC")).toEqual({ from: Date.parse("2026-02-01T00:00:00.000Z"), to: Date.parse("2026-02-02T00:00:00.000Z") });
  });

  it("an ISO week starts on Monday: Sunday 23:59 IST is the week of Monday 26 January, a minute later the next week", () => {
    const sundayNight = Date.parse("2026-02-01T18:29:00.000Z");
    expect(weekAround(sundayNight, "Asia/Kolkata")).toEqual({ from: Date.parse("2026-01-25T18:30:00.000Z"), to: Date.parse("2026-02-01T18:30:00.000Z") });
    expect(weekAround(sundayNight + MIN, "Asia/Kolkata")).toEqual({ from: Date.parse("2026-02-01T18:30:00.000Z"), to: Date.parse("2026-02-08T18:30:00.000Z") });
  });

  it("a DST day is 23 or 25 hours long (America/New_York, March and November 2026)", () => {
    expect(dayAround(Date.parse("2026-03-08T12:00:00Z"), "America/New_York")).toEqual({
      from: Date.parse("2026-03-08T05:00:00Z"),
      to: Date.parse("2026-03-09T04:00:00Z"),
    });
    const november = dayAround(Date.parse("2026-11-01T12:00:00Z"), "America/New_York");
    expect(november.to - november.from).toBe(25 * H);
  });

  const ZONES = ["UTC", "Asia/Kolkata", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham", "America/Havana", "America/Santiago", "Asia/Beirut", "Pacific/Kiritimati", "Pacific/Pago_Pago"];
  const instant = fc.integer({ min: Date.parse("2020-01-01T00:00:00Z"), max: Date.parse("2030-12-31T00:00:00Z") });
  const sameDate = (a: ReturnType<typeof localDate>, b: ReturnType<typeof localDate>) => a.year === b.year && a.month === b.month && a.day === b.day;

  it("any instant lies in its day, which starts and ends on local midnights (DST changes at midnight included)", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (now, zone) => {
        const { from, to } = dayAround(now, zone);
        const today = localDate(now, zone);
        expect(from).toBeLessThanOrEqual(now);
        expect(to).toBeGreaterThan(now);
        expect(sameDate(localDate(from, zone), today)).toBe(true);
        expect(sameDate(localDate(to - 1, zone), today)).toBe(true);
        expect(sameDate(localDate(from - 1, zone), today)).toBe(false);
        expect(sameDate(localDate(to, zone), today)).toBe(false);
        expect(to - from).toBeGreaterThanOrEqual(22 * H);
        expect(to - from).toBeLessThanOrEqual(26 * H);
      }),
      { numRuns: 300 },
    );
  });

  it("any instant lies in its week, seven local days from a Monday", () => {
    fc.assert(
      fc.property(instant, fc.constantFrom(...ZONES), (now, zone) => {
        const { from, to } = weekAround(now, zone);
        expect(from).toBeLessThanOrEqual(now);
        expect(to).toBeGreaterThan(now);
        const monday = localDate(from, zone);
        expect(new Date(Date.UTC(monday.year, monday.month - 1, monday.day)).getUTCDay()).toBe(1);
        expect(Math.abs(to - from - 7 * 24 * H)).toBeLessThanOrEqual(2 * H);
        expect(dayAround(from, zone).from).toBe(from);
      }),
      { numRuns: 300 },
    );
  });
});

/** The events a decision addressed, by type. */
const eventsOf = (changes: ZoneChanges, type: ZoneEvent["type"]) => changes.events.filter((e) => e.event.type === type);

describe("performance in the zone", () => {
  /** A zone with one online driver who is offered (and, by default, accepts) one delivery after 10 s. */
  function delivered(options: { zone?: string; deliverAt?: (estimate: number) => number } = {}) {
    const z = memoryZone({ offlineAfterSeconds: 86_400, escalationSeconds: [86_400, 172_800, 259_200] });
    const driver = z.addOnlineDriver(T0);
    const delivery = z.addDelivery(T0);
    const offer = z.pendingOffersOf(delivery.id)[0]!;
    z.run(T0 + 10 * S, (tx) => acceptOffer(tx, driver.id, offer.id));
    z.run(T0 + 60 * S, (tx) => reportDeliveryStatus(tx, driver.id, delivery.id, "picked_up", null));
    z.run(T0 + 61 * S, (tx) => reportDeliveryStatus(tx, driver.id, delivery.id, "in_transit", null));
    const estimate = Date.parse(offer.payload.estimatedDeliveryTime);
    const at = options.deliverAt ? options.deliverAt(estimate) : estimate;
    const changes = z.run(at, (tx) => {
      reportDeliveryStatus(tx, driver.id, delivery.id, "delivered", null);
      return tx.changes;
    });
    return { z, driver, delivery, offer, changes, at };
  }

  it("delivered: the accepted offer's earning and on-time flag are kept on the delivery and queued for D1, and the driver hears the new figures", () => {
    const { z, driver, delivery, offer, changes, at } = delivered();
    expect(z.delivery(delivery.id)).toMatchObject({ deliveredAt: iso(at), earning: offer.payload.estimatedEarning, onTime: true });
    expect(changes.costs).toEqual([
      {
        deliveryId: delivery.id,
        orgId: z.zone.orgId,
        zoneId: z.zone.id,
        driverId: driver.id,
        driverPayment: offer.payload.estimatedEarning,
        currency: "INR",
        deliveredAt: iso(at),
      },
    ]);
    const [update] = eventsOf(changes, "driver_performance_updated");
    expect(update?.audiences).toEqual([`driver:${driver.id}`, "ops"]);
    const metrics = { deliveriesCompleted: 1, acceptanceRate: 1, onTimeRate: 1, customerRating: null, avgResponseTimeMs: 10_000, totalEarnings: offer.payload.estimatedEarning };
    expect(update?.event).toEqual({ type: "driver_performance_updated", driverId: driver.id, driverName: "Asha K", metrics, updatedAt: iso(at) });
    // What the decision announced is what storage says once it is committed.
    expect(driverPerformance(z.view(at), driver.id, "all").metrics).toEqual(metrics);
  });

  it("exactly 5 minutes after the estimate is on time; a millisecond later is late", () => {
    const edge = delivered({ deliverAt: (estimate) => estimate + 5 * MIN });
    expect(edge.z.delivery(edge.delivery.id).onTime).toBe(true);
    const late = delivered({ deliverAt: (estimate) => estimate + 5 * MIN + 1 });
    expect(late.z.delivery(late.delivery.id).onTime).toBe(false);
    expect(driverPerformance(late.z.view(late.at), late.driver.id, "all").metrics.onTimeRate).toBe(0);
  });

  it("a rejection's response time counts; an expiry counts against acceptance; a withdrawn offer counts for nothing", () => {
    const z = memoryZone({ offlineAfterSeconds: 86_400, escalationSeconds: [86_400, 172_800, 259_200] });
    const a = z.addOnlineDriver(T0);
    const first = z.addDelivery(T0);
    const offer = z.pendingOffersOf(first.id)[0]!;
    z.run(T0 + 4 * S, (tx) => rejectOffer(tx, a.id, offer.id, "too_far"));
    expect(z.offer(offer.id).responseTimeMs).toBe(4 * S);
    // The second delivery's offer runs out (30 s), the third is withdrawn when ops cancel it.
    const second = z.addDelivery(T0 + 5 * S);
    z.command(T0 + 40 * S, "fireDueTimers", {});
    expect(z.offersOf(second.id)[0]?.status).toBe("EXPIRED");
    const third = z.addDelivery(T0 + 41 * S);
    z.run(T0 + 42 * S, (tx) => cancelDelivery(tx, third.id, "customer", OPS));
    expect(z.offersOf(third.id).find((o) => o.driverId === a.id)?.status).toBe("CANCELLED");
    expect(driverPerformance(z.view(T0 + 43 * S), a.id, "all").metrics).toMatchObject({ acceptanceRate: 0, avgResponseTimeMs: 4000, deliveriesCompleted: 0 });
  });

  it("a rating is kept on the delivery, moves customerRating, and is announced; a delivery ops gave directly earns the zone's fee from the pickup and has no on-time verdict", () => {
    const { z, driver, delivery, at } = delivered();
    const value = z.command(at + MIN, "rateDelivery", { deliveryId: delivery.id, tokenHash: delivery.trackingTokenHash, rating: 4, comment: "quick" });
    expect(value).toEqual({ orderId: delivery.orderId, rating: 4, ratedAt: iso(at + MIN) });
    expect(z.auditOf(delivery.id).at(-1)).toMatchObject({ eventType: "delivery_rated", actorType: "customer", details: { rating: 4, comment: "quick", driverId: driver.id } });

    const direct = z.addDelivery(at + 2 * MIN, { dispatch: "manual" });
    z.run(at + 3 * MIN, (tx) => reassignDelivery(tx, direct.id, driver.id, OPS));
    for (const [i, status] of (["picked_up", "in_transit", "delivered"] as const).entries()) {
      z.run(at + (4 + i) * MIN, (tx) => reportDeliveryStatus(tx, driver.id, direct.id, status, null));
    }
    const priced = z.delivery(direct.id);
    // baseFee + perKmFee × (0 km to the pickup + the trip), 2 decimals.
    expect(priced.onTime).toBeNull();
    expect(priced.earning).toBeGreaterThan(40);
    const metrics = driverPerformance(z.view(at + 10 * MIN), driver.id, "all").metrics;
    expect(metrics).toMatchObject({ deliveriesCompleted: 2, onTimeRate: 1, customerRating: 4 });
    expect(metrics.totalEarnings).toBe((toCents(z.delivery(delivery.id).earning!) + toCents(priced.earning!)) / 100);
  });

  it("a delivery cancelled while assigned tells the driver their figures; one cancelled while waiting does not", () => {
    const z = memoryZone({ offlineAfterSeconds: 86_400, escalationSeconds: [86_400, 172_800, 259_200] });
    const driver = z.addOnlineDriver(T0);
    const taken = z.addDelivery(T0);
    z.run(T0 + S, (tx) => acceptOffer(tx, driver.id, z.pendingOffersOf(taken.id)[0]!.id));
    const cancelTaken = z.run(T0 + 2 * S, (tx) => {
      cancelDelivery(tx, taken.id, "customer", OPS);
      return tx.changes;
    });
    expect(eventsOf(cancelTaken, "driver_performance_updated")).toHaveLength(1);
    expect(cancelTaken.costs).toEqual([]);
    const waiting = z.addDelivery(T0 + 3 * S, { dispatch: "manual" });
    const cancelWaiting = z.run(T0 + 4 * S, (tx) => {
      cancelDelivery(tx, waiting.id, "customer", OPS);
      return tx.changes;
    });
    expect(eventsOf(cancelWaiting, "driver_performance_updated")).toEqual([]);
  });

  it("day and week count only what happened in them, in the zone's time zone", () => {
    const { z, driver, at } = delivered();
    const view = (t: number) => z.view(t);
    // T0 is 10:00 UTC on Sunday 1 February; the zone's time zone is UTC.
    expect(driverPerformance(view(at), driver.id, "day")).toMatchObject({ from: "2026-02-01T00:00:00.000Z", to: "2026-02-02T00:00:00.000Z", metrics: { deliveriesCompleted: 1 } });
    expect(driverPerformance(view(at + 24 * H), driver.id, "day").metrics).toMatchObject({ deliveriesCompleted: 0, acceptanceRate: null, totalEarnings: 0 });
    expect(driverPerformance(view(at), driver.id, "week")).toMatchObject({ from: "2026-01-26T00:00:00.000Z", to: "2026-02-02T00:00:00.000Z", metrics: { deliveriesCompleted: 1 } });
    expect(driverPerformance(view(at + 24 * H), driver.id, "week").metrics.deliveriesCompleted).toBe(0);
    expect(driverPerformance(view(at + 24 * H), driver.id, "all")).toMatchObject({ from: driver.createdAt, to: iso(at + 24 * H), metrics: { deliveriesCompleted: 1 } });
    expect(ALL_TIME.from < driver.createdAt && driver.createdAt < ALL_TIME.to).toBe(true);
  });
});
