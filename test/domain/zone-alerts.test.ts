import { describe, expect, it } from "vitest";
import type { ActiveAlert } from "../../src/contracts/zone-health";
import { DEFAULT_ALERT_THRESHOLDS } from "../../src/contracts/zones";
import { type AlertFigures, reviewAlerts } from "../../src/domain/zone-alerts";

const NOW = "2026-02-01T10:00:00.000Z";
const LATER = "2026-02-01T10:05:00.000Z";
const calm: AlertFigures = { healthScore: 80, unassigned: 0 };

/** Runs a series of figures through the reviews, as successive decisions would. */
function replay(series: Partial<AlertFigures>[]) {
  let active: ActiveAlert[] = [];
  return series.map((change, i) => {
    const review = reviewAlerts(active, { ...calm, ...change }, DEFAULT_ALERT_THRESHOLDS, i === 0 ? NOW : LATER);
    active = review.active;
    return { raised: review.raised.map((a) => a.alert), cleared: review.cleared.map((a) => a.alert), active: active.map((a) => a.alert) };
  });
}

describe("zone alerts", () => {
  it("raises nothing for a calm zone, and nothing at exactly the thresholds", () => {
    expect(replay([{}, { healthScore: 50, unassigned: 20 }])).toEqual([
      { raised: [], cleared: [], active: [] },
      { raised: [], cleared: [], active: [] },
    ]);
  });

  it("raises low_health once below the minimum, keeps it while the score hovers, clears at minimum + 10", () => {
    const steps = replay([{ healthScore: 49 }, { healthScore: 40 }, { healthScore: 55 }, { healthScore: 59 }, { healthScore: 60 }, { healthScore: 49 }]);
    expect(steps.map((s) => [s.raised, s.cleared])).toEqual([
      [["low_health"], []],
      [[], []], // still low: not raised again
      [[], []], // above the minimum but inside the margin
      [[], []],
      [[], ["low_health"]], // 50 + 10
      [["low_health"], []], // cleared before, so raised again
    ]);
  });

  it("raises high_unassigned above the maximum and clears at 80% of it", () => {
    const steps = replay([{ unassigned: 21 }, { unassigned: 17 }, { unassigned: 16 }, { unassigned: 21 }]);
    expect(steps.map((s) => [s.raised, s.cleared])).toEqual([
      [["high_unassigned"], []],
      [[], []], // 17 > 16
      [[], ["high_unassigned"]],
      [["high_unassigned"], []],
    ]);
  });

  it("keeps each alert's figures from when it was raised, and both alerts apart", () => {
    const first = reviewAlerts([], { healthScore: 30, unassigned: 25 }, DEFAULT_ALERT_THRESHOLDS, NOW);
    expect(first.raised).toEqual([
      { alert: "low_health", value: 30, threshold: 50, raisedAt: NOW },
      { alert: "high_unassigned", value: 25, threshold: 20, raisedAt: NOW },
    ]);
    const second = reviewAlerts(first.active, { healthScore: 70, unassigned: 24 }, DEFAULT_ALERT_THRESHOLDS, LATER);
    expect(second.cleared).toEqual([{ alert: "low_health", value: 30, threshold: 50, raisedAt: NOW, clearedValue: 70 }]);
    expect(second.active).toEqual([first.raised[1]]);
  });
});
