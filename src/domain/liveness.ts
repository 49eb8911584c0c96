import { changeAvailability } from "./availability-changes";
import { isWatchedForSilence } from "./availability-machine";
import type { DriverRecord } from "./model";
import { SYSTEM } from "./model";
import type { ZoneTx } from "./zone-tx";

/**
 * Offline detection. One zone-wide `liveness` timer stands at the earliest moment any watched
 * driver could go silent; when it fires, every driver past the limit goes offline and the timer
 * moves to the next such moment. Heard-from times only move forward, so a newer sign of life
 * never needs the timer moved earlier: that keeps location ticks free of timer writes.
 */
const LIVENESS_REF = "zone";

export function silentSince(driver: DriverRecord): number {
  return driver.lastSeenAt ?? Date.parse(driver.availabilityChangedAt);
}

function silenceDeadline(tx: ZoneTx, driver: DriverRecord): number {
  return silentSince(driver) + tx.zone.settings.offlineAfterSeconds * 1000;
}

export function ensureLivenessCheck(tx: ZoneTx, driver: DriverRecord): void {
  const due = silenceDeadline(tx, driver);
  const current = tx.timer("liveness", LIVENESS_REF);
  if (!current || due < current.dueAt) tx.setTimer("liveness", LIVENESS_REF, due);
}

/** Takes silent drivers offline and re-arms the check for the next one; returns who went. */
export function sweepSilentDrivers(tx: ZoneTx): DriverRecord[] {
  const wentOffline: DriverRecord[] = [];
  let next: number | null = null;
  for (const driver of [...tx.drivers()]) {
    if (!isWatchedForSilence(driver.availability)) continue;
    // An open socket is presence: its pings never wake the zone, so they leave no trace here.
    const deadline = tx.connected(driver.id)
      ? tx.now + tx.zone.settings.offlineAfterSeconds * 1000
      : silenceDeadline(tx, driver);
    if (deadline <= tx.now) {
      wentOffline.push(changeAvailability(tx, driver.id, "went_offline", SYSTEM, { reason: "not_heard_from" }));
    } else if (next === null || deadline < next) {
      next = deadline;
    }
  }
  if (next === null) tx.clearTimer("liveness", LIVENESS_REF);
  else tx.setTimer("liveness", LIVENESS_REF, next);
  return wentOffline;
}
