import { audience } from "./audiences";
import { changeAvailability } from "./availability-changes";
import { escalateIfDue } from "./escalation";
import { sweepSilentDrivers } from "./liveness";
import type { DriverRecord, OfferRecord, Timer } from "./model";
import { SYSTEM } from "./model";
import { expireOffer } from "./offer-lifecycle";
import type { ZoneTx } from "./zone-tx";

/** What the alarm did, for the shell to announce (events) and for tests to check. */
export interface TimerOutcome {
  breaksEnded: { driver: DriverRecord; breakDurationMinutes: number }[];
  wentOffline: DriverRecord[];
  expiredOffers: OfferRecord[];
  /** Escalation levels fired. */
  escalations: number;
}

/**
 * Runs every timer due at tx.now. Each handler re-checks the state it acts on, so a timer that
 * fires twice, late, or after its cause went away does nothing the second time.
 */
export function fireDueTimers(tx: ZoneTx): TimerOutcome {
  const outcome: TimerOutcome = { breaksEnded: [], wentOffline: [], expiredOffers: [], escalations: 0 };
  for (const timer of tx.state.dueTimers(tx.now)) {
    if (!tx.timer(timer.kind, timer.ref)) continue;
    tx.clearTimer(timer.kind, timer.ref);
    fire(tx, timer, outcome);
  }
  return outcome;
}

function fire(tx: ZoneTx, timer: Timer, outcome: TimerOutcome): void {
  switch (timer.kind) {
    case "break_end": {
      const ended = endBreakIfDue(tx, timer.ref);
      if (ended) outcome.breaksEnded.push(ended);
      return;
    }
    case "liveness":
      outcome.wentOffline.push(...sweepSilentDrivers(tx));
      return;
    case "offer_expiry": {
      const expired = expireOffer(tx, timer.ref);
      if (expired) outcome.expiredOffers.push(expired);
      return;
    }
    case "escalation":
      outcome.escalations += escalateIfDue(tx, timer.ref, "ladder");
      return;
  }
}

/** At `breakUntil` the driver is available again (actor system, reason break_expired). */
function endBreakIfDue(tx: ZoneTx, driverId: string): TimerOutcome["breaksEnded"][number] | null {
  const driver = tx.driver(driverId);
  if (!driver || driver.availability !== "on_break" || !driver.availabilityUntil) return null;
  const until = Date.parse(driver.availabilityUntil);
  if (until > tx.now) {
    tx.setTimer("break_end", driverId, until);
    return null;
  }
  const breakDurationMinutes = Math.round((until - Date.parse(driver.availabilityChangedAt)) / 60_000);
  const next = changeAvailability(tx, driverId, "break_expired", SYSTEM, { reason: "break_expired" });
  tx.emit([audience.driver(driverId), audience.ops], {
    type: "break_expired",
    driverId,
    breakDurationMinutes,
    expiredAt: driver.availabilityUntil,
  });
  return { driver: next, breakDurationMinutes };
}
