import { mergeZoneSettings } from "../contracts/zones";
import type { HealthFigures } from "../contracts/zone-health";
import { audience } from "./audiences";
import { firstAssignments } from "./first-assignments";
import { addWait } from "./health-score";
import type { HealthMark } from "./model";
import { reviewAlerts } from "./zone-alerts";
import type { ZoneChanges } from "./zone-changes";
import { healthFiguresOf } from "./zone-health";
import type { ZoneTx } from "./zone-tx";

/*
 * The last step of every decision, after settle: the zone looks at its own health. Alerts are
 * judged on every decision that moved a figure (so a crossing is never missed), while the
 * figures themselves go to ops sockets at most once per 5 s; a change inside that window is
 * left for the shell to announce when it ends (`healthDueAt`), latest state winning.
 */

/** At most one `zone_health_updated` per zone this often. */
export const ANNOUNCE_EVERY_MS = 5_000;
/** While deliveries wait their waits grow; with ops watching, the figures are looked at this often. */
export const DRIFT_CHECK_MS = 15_000;

/** Whether a decision wrote anything the figures are made of (location ticks between saves do not). */
function touchesHealth(c: ZoneChanges): boolean {
  if (c.zone || c.deliveries.size > 0 || c.departed.size > 0 || c.arrived.size > 0) return true;
  for (const write of c.drivers.values()) if (write.durable) return true;
  return false;
}

const sameFigures = (a: HealthFigures | undefined, b: HealthFigures) =>
  a !== undefined && (Object.keys(b) as (keyof HealthFigures)[]).every((key) => a[key] === b[key]);

/** Creation → first assignment of every delivery this decision assigned for the first time. */
function recordFirstAssignments(tx: ZoneTx, mark: HealthMark): HealthMark {
  let waits = mark.waits;
  for (const { createdAt, waitMs } of firstAssignments(tx.state, tx.changes)) waits = addWait(waits, createdAt, waitMs, tx.now);
  return waits === mark.waits ? mark : { ...mark, waits };
}

/** `asked`: look even if nothing changed (the alarm: waits grow with time, and a held-back change is due). */
export function watchHealth(tx: ZoneTx, asked: boolean): void {
  if (!tx.changes.zone && !tx.state.zone) return;
  const before = tx.health;
  let mark = recordFirstAssignments(tx, before);
  if (asked || touchesHealth(tx.changes)) mark = lookAtHealth(tx, mark);
  if (mark !== before) tx.setHealth(mark);
}

function lookAtHealth(tx: ZoneTx, mark: HealthMark): HealthMark {
  const zone = tx.zone;
  const { figures, alertFigures, waiting } = healthFiguresOf(tx);
  // Zones stored before alerts existed read the default thresholds.
  const review = reviewAlerts(mark.alerts, alertFigures, mergeZoneSettings(zone.settings).alerts, tx.nowIso);
  for (const raised of review.raised) {
    const event = { type: "zone_alert" as const, zoneId: zone.id, ...raised };
    tx.emit([audience.ops], event);
    tx.notifyOps({ type: "zone_alert", severity: "warning", data: event });
  }
  for (const cleared of review.cleared) {
    tx.emit([audience.ops], { type: "zone_alert_cleared", zoneId: zone.id, ...cleared, clearedAt: tx.nowIso });
  }
  if (review.raised.length > 0 || review.cleared.length > 0) mark = { ...mark, alerts: review.active };

  const changed = !sameFigures(mark.announced?.figures, figures);
  const nextAnnouncement = (mark.announced?.at ?? Number.NEGATIVE_INFINITY) + ANNOUNCE_EVERY_MS;
  if (changed && tx.now >= nextAnnouncement) {
    tx.emit([audience.ops], healthAnnouncement(tx, figures));
    mark = { ...mark, announced: { figures, at: tx.now } };
  }
  tx.changes.healthDueAt =
    changed && tx.now < nextAnnouncement ? nextAnnouncement : waiting ? tx.now + DRIFT_CHECK_MS : null;
  return mark;
}

/** The `zone_health_updated` event for the figures (a new ops socket gets one at once). */
export function healthAnnouncement(tx: ZoneTx, figures: HealthFigures = healthFiguresOf(tx).figures) {
  const zone = tx.zone;
  return { type: "zone_health_updated" as const, zoneId: zone.id, zoneName: zone.name, metrics: figures, updatedAt: tx.nowIso };
}
