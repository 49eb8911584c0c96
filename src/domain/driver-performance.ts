/*
 * The formulas of a driver's performance (docs/api.md "Driver performance"): what each record adds
 * to a driver's running totals, and the figures read off those totals. Totals are plain sums
 * and counts so storage can compute them with SQL aggregates (zone-store.ts) however long a
 * driver's history is; every division, rounding and null rule is here.
 */
import type { PerformanceMetrics } from "../contracts/performance";
import type { DeliveryRecord, OfferRecord } from "./model";

/** A delivery is on time when delivered no later than its accepted offer's estimate plus this. */
const ON_TIME_GRACE_MS = 5 * 60_000;

export function isOnTime(deliveredAt: number, estimatedDeliveryTime: string): boolean {
  return deliveredAt <= Date.parse(estimatedDeliveryTime) + ON_TIME_GRACE_MS;
}

/** `[from, to)` of ISO instants (toISOString form: they compare as strings). */
export interface TimeRange {
  from: string;
  to: string;
}

/** Every instant: "" sorts before and "~" after any ISO timestamp. */
export const ALL_TIME: TimeRange = { from: "", to: "~" };

const inRange = (at: string | null | undefined, range: TimeRange) => !!at && at >= range.from && at < range.to;

/** Sums and counts over a driver's offers (by creation) and delivered deliveries (by delivery). */
export interface PerformanceTotals {
  delivered: number;
  /** Delivered deliveries with an estimate to be on time against (an accepted offer). */
  timed: number;
  onTime: number;
  rated: number;
  ratingSum: number;
  /** Pay in cents (earnings are 2-decimal amounts): integer sums stay exact. */
  earningCents: number;
  accepted: number;
  rejected: number;
  expired: number;
  /** Accepted and rejected offers with a response time. */
  responded: number;
  responseMsSum: number;
}

export const NO_TOTALS: PerformanceTotals = {
  delivered: 0,
  timed: 0,
  onTime: 0,
  rated: 0,
  ratingSum: 0,
  earningCents: 0,
  accepted: 0,
  rejected: 0,
  expired: 0,
  responded: 0,
  responseMsSum: 0,
};

/** `a + sign × b`, field by field. */
export function combineTotals(a: PerformanceTotals, b: PerformanceTotals, sign: 1 | -1 = 1): PerformanceTotals {
  const out = { ...a };
  for (const key of Object.keys(out) as (keyof PerformanceTotals)[]) out[key] = sign === 1 ? a[key] + b[key] : a[key] - b[key];
  return out;
}

export const toCents = (amount: number) => Math.round(amount * 100);

/** What one offer adds to its driver's totals: offers count in the period they were created in. */
export function offerTotals(offer: OfferRecord, range: TimeRange): PerformanceTotals {
  if (!inRange(offer.createdAt, range)) return NO_TOTALS;
  const answered = offer.status === "ACCEPTED" || offer.status === "REJECTED";
  const timed = answered && offer.responseTimeMs !== null;
  return {
    ...NO_TOTALS,
    accepted: offer.status === "ACCEPTED" ? 1 : 0,
    rejected: offer.status === "REJECTED" ? 1 : 0,
    expired: offer.status === "EXPIRED" ? 1 : 0,
    responded: timed ? 1 : 0,
    responseMsSum: timed ? (offer.responseTimeMs ?? 0) : 0,
  };
}

/** What one delivery adds to `driverId`'s totals: only once that driver delivered it, in the period it was delivered in. */
export function deliveryTotals(delivery: DeliveryRecord, driverId: string, range: TimeRange): PerformanceTotals {
  if (delivery.status !== "delivered" || delivery.assignedDriverId !== driverId || !inRange(delivery.deliveredAt, range)) {
    return NO_TOTALS;
  }
  const onTime = delivery.onTime ?? null;
  return {
    ...NO_TOTALS,
    delivered: 1,
    timed: onTime === null ? 0 : 1,
    onTime: onTime ? 1 : 0,
    rated: delivery.rating ? 1 : 0,
    ratingSum: delivery.rating?.rating ?? 0,
    earningCents: toCents(delivery.earning ?? 0),
  };
}

/**
 * `part / whole` rounded half up to `decimals`, or null when `whole` is 0. Counts are integers,
 * so `part × 10^decimals / whole` is the exact quotient correctly rounded: a true half stays a half.
 */
export function roundedRatio(part: number, whole: number, decimals: number): number | null {
  if (whole === 0) return null;
  const scale = 10 ** decimals;
  return Math.round((part * scale) / whole) / scale;
}

/** Accepted ÷ every offer that was answered or let run out (withdrawn offers are nobody's choice), 4 decimals. */
export function acceptanceRate(accepted: number, rejected: number, expired: number): number | null {
  return roundedRatio(accepted, accepted + rejected + expired, 4);
}

/** The figures read off a driver's totals. */
export function performanceMetrics(t: PerformanceTotals): PerformanceMetrics {
  return {
    deliveriesCompleted: t.delivered,
    acceptanceRate: acceptanceRate(t.accepted, t.rejected, t.expired),
    onTimeRate: roundedRatio(t.onTime, t.timed, 4),
    customerRating: roundedRatio(t.ratingSum, t.rated, 2),
    avgResponseTimeMs: roundedRatio(t.responseMsSum, t.responded, 0),
    totalEarnings: t.earningCents / 100,
  };
}
