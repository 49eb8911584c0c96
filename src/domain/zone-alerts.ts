import type { ActiveAlert, ZoneAlertKind } from "../contracts/zone-health";
import type { AlertThresholds } from "../contracts/zones";

/*
 * When a zone alert is raised and when it clears, as data: each alert watches one figure against
 * one threshold, and clears only past a margin (hysteresis), so a figure hovering at the
 * threshold raises it once, not on every wobble.
 */

/** The figures alerts watch. */
export interface AlertFigures {
  healthScore: number;
  /** Waiting deliveries with an unassigned record (any escalation level). */
  unassigned: number;
}

interface AlertRule {
  value: (f: AlertFigures) => number;
  threshold: (t: AlertThresholds) => number;
  raisedBy: (value: number, threshold: number) => boolean;
  clearedBy: (value: number, threshold: number) => boolean;
}

const ALERT_RULES: Record<ZoneAlertKind, AlertRule> = {
  low_health: {
    value: (f) => f.healthScore,
    threshold: (t) => t.minHealthScore,
    raisedBy: (score, min) => score < min,
    clearedBy: (score, min) => score >= min + 10,
  },
  high_unassigned: {
    value: (f) => f.unassigned,
    threshold: (t) => t.maxUnassigned,
    raisedBy: (count, max) => count > max,
    clearedBy: (count, max) => count <= 0.8 * max,
  },
};

interface ClearedAlert extends ActiveAlert {
  clearedValue: number;
}

export interface AlertReview {
  /** Alerts standing after the review. */
  active: ActiveAlert[];
  raised: ActiveAlert[];
  cleared: ClearedAlert[];
}

/** Raises what crossed its threshold and was not standing; clears what is back past its margin. */
export function reviewAlerts(active: readonly ActiveAlert[], figures: AlertFigures, thresholds: AlertThresholds, nowIso: string): AlertReview {
  const review: AlertReview = { active: [], raised: [], cleared: [] };
  for (const [alert, rule] of Object.entries(ALERT_RULES) as [ZoneAlertKind, AlertRule][]) {
    const value = rule.value(figures);
    const threshold = rule.threshold(thresholds);
    const standing = active.find((a) => a.alert === alert);
    if (standing && rule.clearedBy(value, threshold)) review.cleared.push({ ...standing, clearedValue: value });
    else if (standing) review.active.push(standing);
    else if (rule.raisedBy(value, threshold)) {
      const raised = { alert, value, threshold, raisedAt: nowIso };
      review.raised.push(raised);
      review.active.push(raised);
    }
  }
  return review;
}
