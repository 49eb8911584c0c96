/**
 * The exposition formatter on its own: cumulative buckets ending in +Inf, escaping, one HELP and
 * TYPE per family with every zone's samples under it, and the zone-health gauges appearing only
 * for snapshots that carry them. promtool checks the text too when it is on PATH (required with
 * REQUIRE_PROMTOOL=1).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { type ZoneMetricsSnapshot, countWebhookSend, zeroCounters } from "../../src/domain/zone-metrics";
import { metricFamilies } from "../../src/worker/metrics-exposition";
import { prometheusText } from "../../src/worker/prometheus-text";

function snapshot(zoneId: string, health: ZoneMetricsSnapshot["health"]): ZoneMetricsSnapshot {
  const counters = countWebhookSend(zeroCounters(), "ops", "failure");
  counters.offerResponseSeconds = { counts: [1, 0, 2, ...Array(10).fill(0)], sum: 9.5, count: 3 };
  return {
    zoneId,
    gauges: { driversByAvailability: { available: 2, busy: 1, offline: 0, on_break: 0, paused: 0 } as never, deliveriesByStatus: { ready: 1 }, unassignedByLevel: { "0": 1 } },
    counters,
    health,
  };
}

describe("prometheusText", () => {
  it("renders histograms cumulatively with _sum and _count, and escapes label values and help", () => {
    const text = prometheusText([
      { name: "x_seconds", help: "a\\b\nc", type: "histogram", bounds: [1, 5], samples: [{ labels: { zone_id: 'z"1\\' }, counts: [2, 1, 4], sum: 30.5, count: 7 }] },
    ]);
    expect(text).toBe(
      [
        "# HELP x_seconds a\\\\b\\nc",
        "# TYPE x_seconds histogram",
        'x_seconds_bucket{zone_id="z\\"1\\\\",le="1"} 2',
        'x_seconds_bucket{zone_id="z\\"1\\\\",le="5"} 3',
        'x_seconds_bucket{zone_id="z\\"1\\\\",le="+Inf"} 7',
        'x_seconds_sum{zone_id="z\\"1\\\\"} 30.5',
        'x_seconds_count{zone_id="z\\"1\\\\"} 7',
        "",
      ].join("\n"),
    );
  });

  it("groups every zone under one HELP/TYPE per family; zone-health gauges only where a snapshot has them", () => {
    const text = prometheusText(metricFamilies([snapshot("a", null), snapshot("b", { healthScore: 0.75, demandLevel: 2 })]));
    expect(text.match(/^# TYPE dispatch_drivers gauge$/gm)).toHaveLength(1);
    expect(text).toContain('dispatch_drivers{zone_id="a",availability="available"} 2');
    expect(text).toContain('dispatch_drivers{zone_id="b",availability="busy"} 1');
    expect(text).toContain('dispatch_offer_response_seconds_bucket{zone_id="a",le="5"} 3');
    expect(text).toContain('dispatch_offer_response_seconds_bucket{zone_id="a",le="+Inf"} 3');
    expect(text).toContain('dispatch_webhook_sends_total{zone_id="a",webhook="ops",outcome="failure"} 1');
    expect(text).toContain('dispatch_zone_health_score{zone_id="b"} 0.75');
    expect(text).toContain('dispatch_zone_demand_level{zone_id="b"} 2');
    expect(text).not.toContain('dispatch_zone_health_score{zone_id="a"}');
    expect(prometheusText(metricFamilies([snapshot("a", null)]))).not.toContain("dispatch_zone_health_score");

    const promtool = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    if (promtool.error) {
      expect(process.env.REQUIRE_PROMTOOL, "REQUIRE_PROMTOOL=1 but promtool is not on PATH").not.toBe("1");
      return;
    }
    expect(promtool.status, promtool.stdout + promtool.stderr).toBe(0);
  });
});
