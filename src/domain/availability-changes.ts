import { audience } from "./audiences";
import { type AvailabilityCommand, applyAvailabilityCommand, isWatchedForSilence } from "./availability-machine";
import type { Actor, DriverRecord } from "./model";
import { iso } from "./model";
import type { ZoneTx } from "./zone-tx";

export interface AvailabilityOptions {
  reason?: string | null;
  /** Length of a break (take_break only). */
  durationMinutes?: number;
}

/**
 * Moves a driver to the state `command` leads to (409 when the machine forbids it), records the
 * history row and arms the break's end. What it means elsewhere is left to settle: a live driver
 * is watched for going silent, and only an available driver holds offers.
 */
export function changeAvailability(
  tx: ZoneTx,
  driverId: string,
  command: AvailabilityCommand,
  actor: Actor,
  options: AvailabilityOptions = {},
): DriverRecord {
  const driver = tx.requireDriver(driverId);
  const from = driver.availability;
  const to = applyAvailabilityCommand(from, command);
  const until = to === "on_break" ? tx.now + (options.durationMinutes ?? 0) * 60_000 : null;
  const heardFrom = actor.type === "driver" ? tx.now : driver.lastSeenAt;
  const next = tx.putDriver({
    ...driver,
    availability: to,
    availabilityUntil: until === null ? null : iso(until),
    availabilityReason: options.reason ?? null,
    availabilityChangedAt: tx.nowIso,
    idleSince: to === "available" ? tx.now : null,
    lastSeenAt: heardFrom,
    updatedAt: tx.nowIso,
  });
  tx.history(driverId, from, to, options.reason ?? null, actor);
  tx.emit([audience.driver(driverId), audience.ops], {
    type: "availability_changed",
    driverId,
    fromState: from,
    toState: to,
    ...(options.reason ? { reason: options.reason } : {}),
    ...(next.availabilityUntil ? { until: next.availabilityUntil } : {}),
    changedAt: tx.nowIso,
  });
  if (until === null) tx.clearTimer("break_end", driverId);
  else tx.setTimer("break_end", driverId, until);
  if (isWatchedForSilence(to)) tx.follow.watchLiveness(driverId);
  // Offers follow availability: a driver who stops being available keeps none (taking a job
  // withdraws them in assignDriver), and a driver who becomes available is new supply.
  if (from === "available" && to !== "busy") tx.follow.withdrawOffersOfDriver(driverId, `driver_${to}`);
  if (to === "available") tx.follow.offerWaitingTo(driverId);
  return tx.requireDriver(driverId);
}
