import type { ZoneHealth } from "../contracts/board";
import type { HealthFigures } from "../contracts/zone-health";
import { Availability as AvailabilityEnum } from "../contracts/statuses";
import type { Availability } from "../contracts/statuses";
import { zeroCounts } from "./counts";
import { isUnderWay } from "./delivery-status";
import { LEVEL_KEYS } from "./escalation-ladder";
import { WAIT_WINDOW_MS, averageWaitSeconds, demandLevel, healthScore } from "./health-score";
import type { DeliveryRecord } from "./model";
import type { ReadyFigures } from "./ready-tally";
import type { AlertFigures } from "./zone-alerts";
import type { ZoneTx } from "./zone-tx";

/*
 * A zone's health as one decision sees it: memory's running counts and sums (drivers by
 * availability, ready-tally.ts) corrected by the decision's own writes, so the figures cost the
 * decision's writes, not the size of the zone.
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

/** The `ready` deliveries' sums as the decision sees them. */
function readySeenBy(tx: ZoneTx): ReadyFigures {
  const changed = [...tx.changes.deliveries.values()].map((after) => [tx.state.deliveries.get(after.id), after] as [DeliveryRecord | undefined, DeliveryRecord]);
  return tx.state.readyTally.seenWith(changed);
}

/**
 * The seed's six figures, what the alerts watch besides, and whether deliveries wait (their
 * waits grow, so the figures drift with time alone).
 */
export function healthFiguresOf(tx: ZoneTx): { figures: HealthFigures; alertFigures: AlertFigures; waiting: boolean } {
  const zone = tx.zone;
  const drivers = driverCountsSeenBy(tx);
  const ready = readySeenBy(tx);
  // A delivery back in `ready` after a release had its wait counted when it was first assigned.
  const [waitingCount, waitingMs] = ready.waitsSince(tx.now - WAIT_WINDOW_MS, tx.now);
  const currentDriversOnline = drivers.available + drivers.busy;
  const avgWaitTimeSeconds = averageWaitSeconds(tx.health.waits, { count: waitingCount, totalMs: waitingMs }, tx.now);
  const figures: HealthFigures = {
    currentDriversOnline,
    minDriversRequired: zone.minDriversOnline,
    avgWaitTimeSeconds,
    targetWaitTimeSeconds: zone.targetWaitTimeSeconds,
    demandLevel: demandLevel(ready.waiting, drivers.available),
    healthScore: healthScore({
      driversOnline: currentDriversOnline,
      minDriversRequired: zone.minDriversOnline,
      avgWaitTimeSeconds,
      targetWaitTimeSeconds: zone.targetWaitTimeSeconds,
      waiting: ready.waiting,
      escalated: ready.escalated,
    }),
  };
  return { figures, alertFigures: { healthScore: figures.healthScore, unassigned: ready.unassigned }, waiting: ready.waiting > 0 };
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
