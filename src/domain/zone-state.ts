import { isTerminalDelivery } from "./delivery-status";
import { Availability } from "../contracts/statuses";
import { zeroCounts } from "./counts";
import { ReadyTally } from "./ready-tally";
import { NO_TOTALS, type PerformanceTotals, type TimeRange, combineTotals, deliveryTotals, offerTotals } from "./driver-performance";
import type {
  AssignmentRecord,
  DeliveryRecord,
  DriverRecord,
  HealthMark,
  OfferRecord,
  Timer,
  ZoneConfig,
} from "./model";
import { NO_HEALTH_MARK, timerKey } from "./model";
import { SpatialIndex } from "./spatial-index";
import type { TrackingMark, ZoneChanges } from "./zone-changes";

/**
 * Where records that have left the working set are read back from: the zone object's SQLite in
 * production, a map in tests. Reads are synchronous, so rules stay plain functions.
 */
export interface ZoneArchive {
  delivery(id: string): DeliveryRecord | undefined;
  offer(id: string): OfferRecord | undefined;
  assignment(id: string): AssignmentRecord | undefined;
  /** A driver's performance totals over stored offers and deliveries (driver-performance.ts). */
  performanceTotals(driverId: string, range: TimeRange): PerformanceTotals;
  /** Called with every applied change set; storage that already committed it does nothing. */
  remember(changes: ZoneChanges): void;
}

/** An archive in memory, for rules run outside a zone object (tests, simulations). */
export function memoryArchive(): ZoneArchive {
  const deliveries = new Map<string, DeliveryRecord>();
  const offers = new Map<string, OfferRecord>();
  const assignments = new Map<string, AssignmentRecord>();
  return {
    delivery: (id) => deliveries.get(id),
    offer: (id) => offers.get(id),
    assignment: (id) => assignments.get(id),
    performanceTotals: (driverId, range) => totalsOver(offers.values(), deliveries.values(), driverId, range),
    remember(changes) {
      for (const d of changes.deliveries.values()) deliveries.set(d.id, d);
      for (const o of changes.offers.values()) offers.set(o.id, o);
      for (const a of changes.assignments.values()) assignments.set(a.id, a);
    },
  };
}

/** A driver's totals over records in memory, by the same per-record rules storage sums in SQL. */
export function totalsOver(
  offers: Iterable<OfferRecord>,
  deliveries: Iterable<DeliveryRecord>,
  driverId: string,
  range: TimeRange,
): PerformanceTotals {
  let totals = NO_TOTALS;
  for (const o of offers) if (o.driverId === driverId) totals = combineTotals(totals, offerTotals(o, range));
  for (const d of deliveries) totals = combineTotals(totals, deliveryTotals(d, driverId, range));
  return totals;
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  set?.delete(id);
  if (set?.size === 0) index.delete(key);
}

/**
 * What one zone works with, in memory: its drivers, the deliveries still under way, pending
 * offers, active assignments and timers, plus the indexes matching needs. Ended records drop
 * out to the archive. The zone object loads this once and keeps it in step by applying the
 * same ZoneChanges it has just committed, so rules read memory and storage is only written.
 */
export class ZoneState {
  zone: ZoneConfig | null = null;
  /** Bound: the zone's drivers (about 2 KB each, README "Memory"). */
  readonly drivers = new Map<string, DriverRecord>();
  /** Deliveries not yet ended (bound: the live ones; an ended one is read back from the archive). */
  readonly deliveries = new Map<string, DeliveryRecord>();
  /** Offers still PENDING (bound: a broadcast's size per waiting delivery). */
  readonly offers = new Map<string, OfferRecord>();
  /** Assignments still ACTIVE (bound: one per busy driver). */
  readonly assignments = new Map<string, AssignmentRecord>();
  /**
   * driverId → the zone it moved to, for requests still routed here. Bound: drivers who left
   * and did not come back, two ids each (about 150 B: 10,000 departures ≈ 1.5 MB).
   */
  readonly departed = new Map<string, string>();
  /** Bound: one per pending offer, waiting delivery and driver on a break, plus the silence check. */
  readonly timers = new Map<string, Timer>();
  /** Available drivers with a known position. */
  readonly available = new SpatialIndex();
  /** Keys only while they have a pending offer (an emptied set is removed). */
  readonly pendingByDriver = new Map<string, Set<string>>();
  readonly pendingByDelivery = new Map<string, Set<string>>();
  /** `ready` deliveries with automatic dispatch. */
  readonly waiting = new Set<string>();
  /** Running sums over the `ready` deliveries (zone health reads them every decision). */
  readonly readyTally = new ReadyTally();
  /** Drivers here by availability, kept with `drivers` (zone health reads it every decision). */
  readonly driverCounts: Record<Availability, number> = zeroCounts(Availability.options);
  /** At most 61 wait buckets (one per creation minute of the last hour) and 2 alerts. */
  health: HealthMark = NO_HEALTH_MARK;
  /** driverId → that driver's ACTIVE assignment. */
  readonly activeByDriver = new Map<string, string>();
  /** deliveryId → what its customers were last told (memory only; dropped when it ends). */
  readonly tracking = new Map<string, TrackingMark>();

  constructor(readonly archive: ZoneArchive = memoryArchive()) {}

  apply(changes: ZoneChanges): void {
    if (changes.zone) this.zone = changes.zone;
    for (const { record } of changes.drivers.values()) this.putDriver(record);
    for (const [id, { toZoneId }] of changes.departed) {
      this.uncount(id);
      this.drivers.delete(id);
      this.available.remove(id);
      this.departed.set(id, toZoneId);
    }
    for (const id of changes.arrived) this.departed.delete(id);
    for (const delivery of changes.deliveries.values()) this.putDelivery(delivery);
    for (const offer of changes.offers.values()) this.putOffer(offer);
    for (const assignment of changes.assignments.values()) this.putAssignment(assignment);
    for (const [deliveryId, mark] of changes.tracking) this.tracking.set(deliveryId, mark);
    if (changes.health) this.health = changes.health;
    for (const [key, timer] of changes.timers) {
      if (timer.dueAt === null) this.timers.delete(key);
      else this.timers.set(key, { kind: timer.kind, ref: timer.ref, dueAt: timer.dueAt });
    }
    this.archive.remember(changes);
  }

  putDriver(driver: DriverRecord): void {
    this.uncount(driver.id);
    this.driverCounts[driver.availability]++;
    this.drivers.set(driver.id, driver);
    if (driver.availability === "available" && driver.location) this.available.upsert(driver.id, driver.location);
    else this.available.remove(driver.id);
  }

  putDelivery(delivery: DeliveryRecord): void {
    this.readyTally.count(this.deliveries.get(delivery.id), -1);
    this.readyTally.count(delivery, 1);
    if (isTerminalDelivery(delivery.status)) {
      this.deliveries.delete(delivery.id);
      this.tracking.delete(delivery.id);
    }
    else this.deliveries.set(delivery.id, delivery);
    if (delivery.status === "ready" && delivery.dispatch === "auto") this.waiting.add(delivery.id);
    else this.waiting.delete(delivery.id);
  }

  private uncount(driverId: string): void {
    const before = this.drivers.get(driverId);
    if (before) this.driverCounts[before.availability]--;
  }

  putAssignment(assignment: AssignmentRecord): void {
    if (assignment.status === "ACTIVE") {
      this.assignments.set(assignment.id, assignment);
      this.activeByDriver.set(assignment.driverId, assignment.id);
    } else {
      this.assignments.delete(assignment.id);
      if (this.activeByDriver.get(assignment.driverId) === assignment.id) this.activeByDriver.delete(assignment.driverId);
    }
  }

  putOffer(offer: OfferRecord): void {
    if (offer.status === "PENDING") {
      this.offers.set(offer.id, offer);
      addTo(this.pendingByDriver, offer.driverId, offer.id);
      addTo(this.pendingByDelivery, offer.deliveryId, offer.id);
    } else {
      this.offers.delete(offer.id);
      removeFrom(this.pendingByDriver, offer.driverId, offer.id);
      removeFrom(this.pendingByDelivery, offer.deliveryId, offer.id);
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
