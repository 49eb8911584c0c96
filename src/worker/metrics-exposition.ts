import {
  ASSIGNMENT_WAIT_BUCKETS,
  OFFER_RESPONSE_BUCKETS,
  OFFER_OUTCOMES,
  WEBHOOKS,
  WEBHOOK_OUTCOMES,
  type ZoneMetricsSnapshot,
} from "../domain/zone-metrics";
import type { MetricFamily } from "./prometheus-text";

/*
 * The org's metrics (docs/api.md "Metrics") as Prometheus families, one sample per zone (label
 * zone_id) and per value of the family's own label. Names, labels and buckets are the contract
 * dashboards and alerts are written against: change them as an API change.
 */

/** One sample per key of each zone's counts, the key under `label`. */
function perKey(snapshots: ZoneMetricsSnapshot[], label: string, counts: (s: ZoneMetricsSnapshot) => Record<string, number>) {
  return snapshots.flatMap((s) => Object.entries(counts(s)).map(([key, value]) => ({ labels: { zone_id: s.zoneId, [label]: key }, value })));
}

/** The zone-health gauges, for the zones whose snapshot carries them (none until zone health lands). */
function healthFamilies(snapshots: ZoneMetricsSnapshot[]): MetricFamily[] {
  const rated = snapshots.flatMap((s) => (s.health ? [{ zoneId: s.zoneId, health: s.health }] : []));
  if (rated.length === 0) return [];
  return [
    {
      name: "dispatch_zone_health_score",
      help: "The zone's health score.",
      type: "gauge",
      samples: rated.map((s) => ({ labels: { zone_id: s.zoneId }, value: s.health.healthScore })),
    },
    {
      name: "dispatch_zone_demand_level",
      help: "The zone's demand level.",
      type: "gauge",
      samples: rated.map((s) => ({ labels: { zone_id: s.zoneId }, value: s.health.demandLevel })),
    },
  ];
}

export function metricFamilies(snapshots: ZoneMetricsSnapshot[]): MetricFamily[] {
  return [
    {
      name: "dispatch_drivers",
      help: "Drivers in the zone now, by availability.",
      type: "gauge",
      samples: perKey(snapshots, "availability", (s) => s.gauges.driversByAvailability),
    },
    {
      name: "dispatch_deliveries",
      help: "Deliveries not ended, by status.",
      type: "gauge",
      samples: perKey(snapshots, "status", (s) => s.gauges.deliveriesByStatus),
    },
    {
      name: "dispatch_unassigned_orders",
      help: "Waiting deliveries that matching found no driver for, by escalation level (0: not escalated).",
      type: "gauge",
      samples: perKey(snapshots, "level", (s) => s.gauges.unassignedByLevel),
    },
    {
      name: "dispatch_offers_total",
      help: "Offers closed, by outcome.",
      type: "counter",
      samples: perKey(snapshots, "outcome", (s) => Object.fromEntries(OFFER_OUTCOMES.map((o) => [o, s.counters.offers[o]]))),
    },
    {
      name: "dispatch_offer_response_seconds",
      help: "Seconds from an offer to the driver's accept or reject.",
      type: "histogram",
      bounds: OFFER_RESPONSE_BUCKETS,
      samples: snapshots.map((s) => ({ labels: { zone_id: s.zoneId }, ...s.counters.offerResponseSeconds })),
    },
    {
      name: "dispatch_assignment_wait_seconds",
      help: "Seconds from a delivery's creation to its first assignment.",
      type: "histogram",
      bounds: ASSIGNMENT_WAIT_BUCKETS,
      samples: snapshots.map((s) => ({ labels: { zone_id: s.zoneId }, ...s.counters.assignmentWaitSeconds })),
    },
    {
      name: "dispatch_escalations_total",
      help: "Escalation levels fired, by level.",
      type: "counter",
      samples: perKey(snapshots, "level", (s) => s.counters.escalations),
    },
    {
      name: "dispatch_webhook_sends_total",
      help: "Webhook sends by webhook (ops, delivery) and outcome (dead_letter: moved to the dead letters).",
      type: "counter",
      samples: snapshots.flatMap((s) =>
        WEBHOOKS.flatMap((webhook) =>
          WEBHOOK_OUTCOMES.map((outcome) => ({ labels: { zone_id: s.zoneId, webhook, outcome }, value: s.counters.webhookSends[webhook][outcome] })),
        ),
      ),
    },
    ...healthFamilies(snapshots),
  ];
}
