import type { AssignmentRecord, DeliveryRecord, DriverRecord, HealthMark, OfferRecord, Timer, ZoneConfig } from "./model";
import { timerKey } from "./model";
import { type ZoneArchive, ZoneState } from "./zone-state";

/**
 * What a zone object's storage holds of its working set: the rows it reads when it wakes. Only
 * committed records are here; what a zone held in memory alone (position ticks between writes,
 * open sockets, what customers were last told) is gone after a restart.
 */
export interface StoredWorkingSet {
  zone: ZoneConfig | null;
  drivers: Iterable<DriverRecord>;
  /** Deliveries not yet ended. */
  liveDeliveries: Iterable<DeliveryRecord>;
  pendingOffers: Iterable<OfferRecord>;
  activeAssignments: Iterable<AssignmentRecord>;
  departed: Iterable<{ id: string; toZoneId: string }>;
  /** Every stored timer: timers are committed with their cause, so a restart re-arms from these alone. */
  timers: Iterable<Timer>;
  /** The zone's health mark, once it has one. */
  health: HealthMark | null;
}

/**
 * The zone as it stands after a (re)start: the stored working set in memory, with its indexes
 * rebuilt by the same `put*` paths a decision's changes take. Ended records stay in `archive`.
 */
export function rebuildZoneState(archive: ZoneArchive, stored: StoredWorkingSet): ZoneState {
  const state = new ZoneState(archive);
  state.zone = stored.zone;
  if (stored.health) state.health = stored.health;
  for (const driver of stored.drivers) state.putDriver(driver);
  for (const delivery of stored.liveDeliveries) state.putDelivery(delivery);
  for (const offer of stored.pendingOffers) state.putOffer(offer);
  for (const assignment of stored.activeAssignments) state.putAssignment(assignment);
  for (const { id, toZoneId } of stored.departed) state.departed.set(id, toZoneId);
  for (const { kind, ref, dueAt } of stored.timers) state.timers.set(timerKey(kind, ref), { kind, ref, dueAt });
  return state;
}
