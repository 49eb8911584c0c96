import { Availability, DeliveryStatus } from "../contracts/statuses";
import { zeroCounts } from "./counts";
import { isTerminalDelivery } from "./delivery-status";
import { LEVEL_KEYS, TOP_LEVEL } from "./escalation-ladder";
import { firstAssignments } from "./first-assignments";
import type { OfferRecord } from "./model";
import type { ZoneChanges } from "./zone-changes";
import type { ZoneState } from "./zone-state";

/*
 * What a zone tells Prometheus (docs/api.md "Metrics"): gauges read off the live state at scrape
 * time, and counters that only ever grow. The counters are derived here from each decision's
 * changes and stored in the same transaction as the decision, so they say what the audit says
 * and survive restarts; the webhook senders add their outcomes as they record each attempt.
 */

export const OFFER_OUTCOMES = ["accepted", "rejected", "expired", "cancelled"] as const;
type OfferOutcome = (typeof OFFER_OUTCOMES)[number];

export const WEBHOOKS = ["ops", "delivery"] as const;
export type Webhook = (typeof WEBHOOKS)[number];

/**
 * One send's outcome: the receiver took it, it failed and stays queued for a retry, or it went
 * to the dead letters (its last attempt failed, or its subscription was disabled).
 */
export const WEBHOOK_OUTCOMES = ["success", "failure", "dead_letter"] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** Levels an escalation fires at: "1" … "3" (level 0 is a record that was never escalated). */
const ESCALATION_LEVELS = LEVEL_KEYS.filter((level) => level !== "0");

/**
 * Upper bounds (seconds) of the offer response histogram: offers time out after 30 s by default
 * (zone setting offerTimeoutSeconds, at most a few minutes), so most answers fall in the first buckets.
 */
export const OFFER_RESPONSE_BUCKETS = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300] as const;
/**
 * Upper bounds (seconds) of the creation → first assignment histogram: from an accept within
 * seconds up to the escalation ladder's tens of minutes and beyond.
 */
export const ASSIGNMENT_WAIT_BUCKETS = [5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200] as const;

/**
 * Observations per bucket, not cumulative: `counts[i]` fell in (bounds[i-1], bounds[i]] and the
 * last entry counts those above the last bound (the exposition adds them up into `le` buckets).
 */
interface HistogramCounts {
  counts: number[];
  sum: number;
  count: number;
}

export interface ZoneCounters {
  offers: Record<OfferOutcome, number>;
  /** Levels fired, by level ("1" … "3"). */
  escalations: Record<string, number>;
  webhookSends: Record<Webhook, Record<WebhookOutcome, number>>;
  /** Seconds from an offer to the driver's accept or reject. */
  offerResponseSeconds: HistogramCounts;
  /** Seconds from a delivery's creation to its first assignment. */
  assignmentWaitSeconds: HistogramCounts;
}

const zeroHistogram = (bounds: readonly number[]): HistogramCounts => ({ counts: Array(bounds.length + 1).fill(0), sum: 0, count: 0 });

export function zeroCounters(): ZoneCounters {
  return {
    offers: zeroCounts(OFFER_OUTCOMES),
    escalations: zeroCounts(ESCALATION_LEVELS),
    webhookSends: { ops: zeroCounts(WEBHOOK_OUTCOMES), delivery: zeroCounts(WEBHOOK_OUTCOMES) },
    offerResponseSeconds: zeroHistogram(OFFER_RESPONSE_BUCKETS),
    assignmentWaitSeconds: zeroHistogram(ASSIGNMENT_WAIT_BUCKETS),
  };
}

const countOf = (value: unknown) => (typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0);

function storedCounts<K extends string>(keys: readonly K[], stored: unknown): Record<K, number> {
  const found = (stored ?? {}) as Record<string, unknown>;
  return Object.fromEntries(keys.map((key) => [key, countOf(found[key])])) as Record<K, number>;
}

/** A stored histogram, or a fresh one when its buckets are not today's (the bounds changed). */
function storedHistogram(bounds: readonly number[], stored: unknown): HistogramCounts {
  const found = stored as Partial<HistogramCounts> | undefined;
  if (!Array.isArray(found?.counts) || found.counts.length !== bounds.length + 1) return zeroHistogram(bounds);
  return { counts: found.counts.map(countOf), sum: countOf(found.sum), count: countOf(found.count) };
}

/**
 * The counters as stored (meta "metrics"), with every counter added since they were written
 * starting at zero: a deploy that adds a counter never loses the others.
 */
export function readCounters(stored: unknown): ZoneCounters {
  const found = (stored ?? {}) as Partial<Record<keyof ZoneCounters, unknown>>;
  const sends = (found.webhookSends ?? {}) as Partial<Record<Webhook, unknown>>;
  return {
    offers: storedCounts(OFFER_OUTCOMES, found.offers),
    escalations: storedCounts(ESCALATION_LEVELS, found.escalations),
    webhookSends: { ops: storedCounts(WEBHOOK_OUTCOMES, sends.ops), delivery: storedCounts(WEBHOOK_OUTCOMES, sends.delivery) },
    offerResponseSeconds: storedHistogram(OFFER_RESPONSE_BUCKETS, found.offerResponseSeconds),
    assignmentWaitSeconds: storedHistogram(ASSIGNMENT_WAIT_BUCKETS, found.assignmentWaitSeconds),
  };
}

function observe(histogram: HistogramCounts, bounds: readonly number[], seconds: number): void {
  const at = bounds.findIndex((bound) => seconds <= bound);
  histogram.counts[at === -1 ? bounds.length : at]!++;
  histogram.sum += seconds;
  histogram.count++;
}

const OUTCOME_OF: Partial<Record<OfferRecord["status"], OfferOutcome>> = {
  ACCEPTED: "accepted",
  REJECTED: "rejected",
  EXPIRED: "expired",
  CANCELLED: "cancelled",
};

/** How long the driver took to answer: responseTimeMs of an accept, the time to the reject otherwise. */
function responseMs(offer: OfferRecord): number | null {
  if (offer.status === "ACCEPTED") return offer.responseTimeMs;
  if (offer.status === "REJECTED" && offer.rejectedAt) return Date.parse(offer.rejectedAt) - Date.parse(offer.createdAt);
  return null;
}

/**
 * The counters after one decision, or null when it counted nothing (a location tick, say: so
 * it writes nothing more). `before` is the state the decision ran on, not yet changed by it.
 * Counted: each offer this decision closed (a closed offer is never written again, so an offer
 * not PENDING in memory before is one just made, and closed at once), each escalation level
 * fired (its audit row), and each delivery's first assignment.
 */
export function countDecision(counters: ZoneCounters, before: ZoneState, changes: ZoneChanges): ZoneCounters | null {
  if (changes.offers.size === 0 && changes.audit.length === 0 && changes.assignments.size === 0) return null;
  const closed = [...changes.offers.values()].filter((offer) => OUTCOME_OF[offer.status] && (before.offers.get(offer.id)?.status ?? "PENDING") === "PENDING");
  const escalations = changes.audit.filter((e) => e.eventType === "escalation_triggered" || e.eventType === "escalation_critical");
  const assigned = firstAssignments(before, changes);
  // Most decisions count nothing (an offer made, a status report): they copy nothing either.
  if (closed.length === 0 && escalations.length === 0 && assigned.length === 0) return null;
  const next = structuredClone(counters);
  for (const offer of closed) {
    next.offers[OUTCOME_OF[offer.status]!]++;
    const ms = responseMs(offer);
    if (ms !== null) observe(next.offerResponseSeconds, OFFER_RESPONSE_BUCKETS, Math.max(0, ms) / 1000);
  }
  for (const entry of escalations) {
    const level = String(entry.details.level);
    next.escalations[level] = (next.escalations[level] ?? 0) + 1;
  }
  for (const { waitMs } of assigned) observe(next.assignmentWaitSeconds, ASSIGNMENT_WAIT_BUCKETS, waitMs / 1000);
  return next;
}

/** The counters after one webhook send (or dead letter) of `webhook`. */
export function countWebhookSend(counters: ZoneCounters, webhook: Webhook, outcome: WebhookOutcome): ZoneCounters {
  const next = structuredClone(counters);
  next.webhookSends[webhook][outcome]++;
  return next;
}

/** Live deliveries are those not ended: ready, assigned, picked up, in transit. */
const LIVE_STATUSES = DeliveryStatus.options.filter((status) => !isTerminalDelivery(status));

export interface ZoneGauges {
  driversByAvailability: Record<Availability, number>;
  deliveriesByStatus: Record<string, number>;
  /** Waiting deliveries with an unassigned record, by escalation level "0" … "3". */
  unassignedByLevel: Record<string, number>;
}

/** The zone's gauges now, read off memory in one pass over drivers and deliveries. */
export function zoneGauges(state: ZoneState): ZoneGauges {
  const driversByAvailability = { ...state.driverCounts };
  const deliveriesByStatus = zeroCounts(LIVE_STATUSES);
  const unassignedByLevel = zeroCounts(LEVEL_KEYS);
  for (const delivery of state.deliveries.values()) {
    deliveriesByStatus[delivery.status] = (deliveriesByStatus[delivery.status] ?? 0) + 1;
    if (delivery.status === "ready" && delivery.unassigned) {
      const level = String(Math.min(delivery.unassigned.escalationLevel, TOP_LEVEL));
      unassignedByLevel[level] = (unassignedByLevel[level] ?? 0) + 1;
    }
  }
  return { driversByAvailability, deliveriesByStatus, unassignedByLevel };
}

/**
 * The zone health gauges (dispatch_zone_health_score, dispatch_zone_demand_level), from the
 * zone-health rules (zone-health.ts). Null leaves the two gauges out of the exposition.
 */
interface ZoneHealthGauges {
  healthScore: number;
  demandLevel: number;
}

/** One zone's answer to a scrape: small, and computed from memory without reading storage. */
export interface ZoneMetricsSnapshot {
  zoneId: string;
  gauges: ZoneGauges;
  counters: ZoneCounters;
  health: ZoneHealthGauges | null;
}
