import type { ZoneHealth } from "../contracts/board";
import type { HealthFigures } from "../contracts/zone-health";
import { Availability as AvailabilityEnum } from "../contracts/statuses";
import type { Availability } from "../contracts/statuses";
import { zeroCounts } from "./counts";
import { isUnderWay } from "./delivery-status";
import { LEVEL_KEYS } from "./escalation-ladder";
import { WAIT_WINDOW_MS, averageWaitSeconds, demandLevel, healthScore } from "./health-score";
import type { DeliveryRecord } from "./model";
import type { AlertFigures } from "./zone-alerts";
import type { ZoneTx } from "./zone-tx";

/*
 * A zone's health as one decision sees it: memory's running counts corrected by the decision's
 * own writes, so the figures cost the waiting deliveries, not the whole zone.
 */

/** Drivers by availability as the decision sees them. */
function driverCountsSeenBy(tx: ZoneTx): Record<Availability, number> {
  const counts = { ...tx.state.driverCounts };
  const uncount = (id: string) => {
    const before = tx.state.drivers.get(id);
    if (before) counts[before.availability]--;
  };
  for (const [id, { record }] of tx.changes.drivers) {
    uncount(id);
    counts[record.availability]++;
  }
  for (const id of tx.changes.departed.keys()) uncount(id);
  return counts;
}

/** Every `ready` delivery as the decision sees it. */
function readyDeliveriesSeenBy(tx: ZoneTx): DeliveryRecord[] {
  const ids = new Set(tx.state.ready);
  for (const id of tx.changes.deliveries.keys()) ids.add(id);
  return [...ids].map((id) => tx.delivery(id)).filter((d): d is DeliveryRecord => d?.status === "ready");
}

/** The seed's six figures, and what the alerts watch besides. */
export function healthFiguresOf(tx: ZoneTx): { figures: HealthFigures; alertFigures: AlertFigures } {
  const zone = tx.zone;
  const drivers = driverCountsSeenBy(tx);
  const ready = readyDeliveriesSeenBy(tx);
  // A delivery back in `ready` after a release had its wait counted when it was first assigned.
  const waitingSoFar = ready
    .map((d) => ({ d, createdAt: Date.parse(d.createdAt) }))
    .filter(({ d, createdAt }) => d.assignmentId === null && createdAt >= tx.now - WAIT_WINDOW_MS)
    .map(({ createdAt }) => tx.now - createdAt);
  const currentDriversOnline = drivers.available + drivers.busy;
  const avgWaitTimeSeconds = averageWaitSeconds(tx.health.waits, waitingSoFar, tx.now);
  const escalated = ready.filter((d) => (d.unassigned?.escalationLevel ?? 0) >= 1).length;
  const figures: HealthFigures = {
    currentDriversOnline,
    minDriversRequired: zone.minDriversOnline,
    avgWaitTimeSeconds,
    targetWaitTimeSeconds: zone.targetWaitTimeSeconds,
    demandLevel: demandLevel(ready.length, drivers.available),
    healthScore: healthScore({
      driversOnline: currentDriversOnline,
      minDriversRequired: zone.minDriversOnline,
      avgWaitTimeSeconds,
      targetWaitTimeSeconds: zone.targetWaitTimeSeconds,
      waiting: ready.length,
      escalated,
    }),
  };
  return { figures, alertFigures: { healthScore: figures.healthScore, unassigned: ready.filter((d) => d.unassigned).length } };
}

/** Whether `ready` deliveries are waiting: their waits grow, so the figures drift with time alone. */
export function hasWaitingDeliveries(tx: ZoneTx): boolean {
  return readyDeliveriesSeenBy(tx).length > 0;
}

/** Live counts and health shown with a zone; "online" means able to take or working on a job. */
export function zoneHealth(tx: ZoneTx): ZoneHealth {
  const driversByAvailability = zeroCounts(AvailabilityEnum.options);
  for (const driver of tx.drivers()) driversByAvailability[driver.availability]++;
  let pendingDeliveries = 0;
  let activeDeliveries = 0;
  const unassignedByLevel = zeroCounts(LEVEL_KEYS);
  for (const delivery of tx.state.deliveries.values()) {
    if (delivery.status === "ready") {
      pendingDeliveries++;
      const level = delivery.unassigned && String(delivery.unassigned.escalationLevel);
      if (level) unassignedByLevel[level] = (unassignedByLevel[level] ?? 0) + 1;
    } else if (isUnderWay(delivery.status)) activeDeliveries++;
  }
  return {
    ...healthFiguresOf(tx).figures,
    driversByAvailability,
    driversOnline: driversByAvailability.available + driversByAvailability.busy,
    pendingDeliveries,
    activeDeliveries,
    pendingOffers: tx.state.offers.size,
    unassignedByLevel,
    alerts: tx.health.alerts,
    updatedAt: tx.nowIso,
  };
}
