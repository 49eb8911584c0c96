import type { DeliveryRecord, DriverRecord, Timer, ZoneConfig } from "./model";
import { timerKey } from "./model";
import type { ZoneChanges } from "./zone-tx";

/**
 * Everything one zone knows, in memory. The zone object loads it from storage once and then
 * keeps it in step by applying the same ZoneChanges it has just committed, so rules read from
 * memory and storage is only ever written.
 */
export class ZoneState {
  zone: ZoneConfig | null = null;
  readonly drivers = new Map<string, DriverRecord>();
  readonly deliveries = new Map<string, DeliveryRecord>();
  /** driverId → the zone it moved to. */
  readonly departed = new Map<string, string>();
  readonly timers = new Map<string, Timer>();

  apply(changes: ZoneChanges): void {
    if (changes.zone) this.zone = changes.zone;
    for (const { record } of changes.drivers.values()) this.drivers.set(record.id, record);
    for (const [id, { toZoneId }] of changes.departed) {
      this.drivers.delete(id);
      this.departed.set(id, toZoneId);
    }
    for (const id of changes.arrived) this.departed.delete(id);
    for (const delivery of changes.deliveries.values()) this.deliveries.set(delivery.id, delivery);
    for (const [key, timer] of changes.timers) {
      if (timer.dueAt === null) this.timers.delete(key);
      else this.timers.set(key, { kind: timer.kind, ref: timer.ref, dueAt: timer.dueAt });
    }
  }

  /** Earliest due time of any timer, or null when nothing is scheduled. */
  nextDueAt(): number | null {
    let next: number | null = null;
    for (const timer of this.timers.values()) if (next === null || timer.dueAt < next) next = timer.dueAt;
    return next;
  }

  dueTimers(now: number): Timer[] {
    return [...this.timers.values()].filter((t) => t.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
  }

  timer(kind: Timer["kind"], ref: string): Timer | undefined {
    return this.timers.get(timerKey(kind, ref));
  }
}
