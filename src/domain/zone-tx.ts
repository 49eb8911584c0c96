import type { AuditEventType } from "../contracts/audit";
import type { ZoneEvent } from "../contracts/events";
import type { Availability } from "../contracts/statuses";
import { DriverMovedError, notFound } from "./errors";
import { FollowUps } from "./follow-ups";
import { type LatLon, haversineKm } from "./geo";
import type { MatchingView } from "./matching";
import {
  type Actor,
  type AssignmentRecord,
  type AuditEntry,
  type DeliveryRecord,
  type DriverRecord,
  type HealthMark,
  type HistoryEntry,
  type JsonObject,
  type OfferRecord,
  type OpsNotification,
  type SupportTicket,
  type Timer,
  type TimerKind,
  type ZoneConfig,
  iso,
  timerKey,
} from "./model";
import { type ZoneChanges, noChanges } from "./zone-changes";
import type { ZoneState } from "./zone-state";

/** The order deliveries are matched in: highest priority first, then oldest, then by id. */
export function byDispatchOrder(a: DeliveryRecord, b: DeliveryRecord): number {
  return b.priority - a.priority || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
}

/**
 * One decision's unit of work over a ZoneState: reads see this decision's own writes first, and
 * writes are only collected, with the follow-ups they leave (follow-ups.ts). Rules are functions
 * of (tx, input), run through the command registry (zone-commands.ts), so the same rule runs in
 * the zone object, in unit tests and in the model simulation.
 */
export class ZoneTx implements MatchingView {
  readonly changes: ZoneChanges = noChanges();
  readonly follow = new FollowUps();
  /** The command asks the zone to look at its health even if it changed nothing (health-watch.ts). */
  healthAsked = false;

  constructor(
    readonly state: ZoneState,
    readonly now: number,
    readonly newId: () => string = () => crypto.randomUUID(),
    /** Whether a driver has a socket open right now (presence counts as being heard from). */
    readonly connected: (driverId: string) => boolean = () => false,
  ) {}

  emit(audiences: string[], event: ZoneEvent): void {
    this.changes.events.push({ audiences, event });
  }

  openTicket(ticket: SupportTicket): SupportTicket {
    this.changes.tickets.push(ticket);
    return ticket;
  }

  notifyOps(notification: Omit<OpsNotification, "id" | "orgId" | "zoneId" | "occurredAt">): void {
    const { orgId, id: zoneId } = this.zone;
    this.changes.notifications.push({ id: this.newId(), orgId, zoneId, occurredAt: this.nowIso, ...notification });
  }

  get nowIso(): string {
    return iso(this.now);
  }

  get zone(): ZoneConfig {
    const zone = this.changes.zone ?? this.state.zone;
    if (!zone) throw notFound("Zone not found");
    return zone;
  }

  setZone(zone: ZoneConfig): void {
    this.changes.zone = zone;
  }

  get health(): HealthMark {
    return this.changes.health ?? this.state.health;
  }

  setHealth(mark: HealthMark): void {
    this.changes.health = mark;
  }

  driver(id: string): DriverRecord | undefined {
    if (this.changes.departed.has(id)) return undefined;
    return this.changes.drivers.get(id)?.record ?? this.state.drivers.get(id);
  }

  requireDriver(id: string): DriverRecord {
    const driver = this.driver(id);
    if (driver) return driver;
    const movedTo = this.departedTo(id);
    throw movedTo ? new DriverMovedError(movedTo) : notFound("Driver not found");
  }

  /** Every driver as this decision sees it. */
  *drivers(): Iterable<DriverRecord> {
    for (const id of this.state.drivers.keys()) {
      const driver = this.driver(id);
      if (driver) yield driver;
    }
    for (const [id, write] of this.changes.drivers) if (!this.state.drivers.has(id)) yield write.record;
  }

  putDriver(record: DriverRecord, options: { durable?: boolean } = {}): DriverRecord {
    const durable = (options.durable ?? true) || (this.changes.drivers.get(record.id)?.durable ?? false);
    if (durable) record = { ...record, savedAt: this.now };
    this.changes.drivers.set(record.id, { record, durable });
    this.changes.arrived.delete(record.id);
    return record;
  }

  admitDriver(record: DriverRecord): DriverRecord {
    this.putDriver(record);
    this.changes.arrived.add(record.id);
    return record;
  }

  removeDriver(driver: DriverRecord, toZoneId: string): void {
    this.changes.drivers.delete(driver.id);
    this.changes.departed.set(driver.id, { toZoneId, driver });
  }

  /** Zone a driver left this one for, if it did. */
  departedTo(id: string): string | undefined {
    return this.changes.departed.get(id)?.toZoneId ?? (this.driver(id) ? undefined : this.state.departed.get(id));
  }

  delivery(id: string): DeliveryRecord | undefined {
    return this.changes.deliveries.get(id) ?? this.state.deliveries.get(id) ?? this.state.archive.delivery(id);
  }

  requireDelivery(id: string): DeliveryRecord {
    const delivery = this.delivery(id);
    if (!delivery) throw notFound("Delivery not found");
    return delivery;
  }

  putDelivery(record: DeliveryRecord): DeliveryRecord {
    const before = this.delivery(record.id);
    this.changes.deliveries.set(record.id, record);
    if (record.unassigned && record.unassigned !== before?.unassigned) {
      this.changes.unassigned.set(record.id, record.unassigned);
    }
    return record;
  }

  /** `ready` deliveries with automatic dispatch, highest priority first, then oldest. */
  waitingDeliveries(): DeliveryRecord[] {
    const ids = new Set(this.state.waiting);
    for (const d of this.changes.deliveries.values()) ids.add(d.id);
    return [...ids]
      .map((id) => this.delivery(id))
      .filter((d): d is DeliveryRecord => d?.status === "ready" && d.dispatch === "auto")
      .sort(byDispatchOrder);
  }

  offer(id: string): OfferRecord | undefined {
    return this.changes.offers.get(id) ?? this.state.offers.get(id) ?? this.state.archive.offer(id);
  }

  putOffer(record: OfferRecord): OfferRecord {
    this.changes.offers.set(record.id, record);
    return record;
  }

  private pendingOffers(index: Map<string, Set<string>>, key: string, belongs: (o: OfferRecord) => boolean) {
    const ids = new Set(index.get(key));
    for (const o of this.changes.offers.values()) if (belongs(o)) ids.add(o.id);
    return [...ids].map((id) => this.offer(id)).filter((o): o is OfferRecord => o?.status === "PENDING");
  }

  pendingOffersOfDelivery(deliveryId: string): OfferRecord[] {
    return this.pendingOffers(this.state.pendingByDelivery, deliveryId, (o) => o.deliveryId === deliveryId);
  }

  /** PENDING offers of a delivery made by this decision (a rejection's next candidates). */
  offersMadeFor(deliveryId: string): OfferRecord[] {
    return [...this.changes.offers.values()].filter(
      (o) => o.deliveryId === deliveryId && o.status === "PENDING" && !this.state.offers.has(o.id),
    );
  }

  pendingOffersOfDriver(driverId: string): OfferRecord[] {
    return this.pendingOffers(this.state.pendingByDriver, driverId, (o) => o.driverId === driverId);
  }

  holdsPendingOffer(driverId: string): boolean {
    // Matching asks this of every candidate; before this decision touched any offer, memory answers.
    if (this.changes.offers.size === 0) return this.state.pendingByDriver.has(driverId);
    return this.pendingOffersOfDriver(driverId).length > 0;
  }

  assignment(id: string): AssignmentRecord | undefined {
    return this.changes.assignments.get(id) ?? this.state.assignments.get(id) ?? this.state.archive.assignment(id);
  }

  putAssignment(record: AssignmentRecord): AssignmentRecord {
    this.changes.assignments.set(record.id, record);
    return record;
  }

  /** Drivers near a point as this decision sees them: the index, plus drivers it changed. */
  nearby(center: LatLon, radiusKm: number): { driver: DriverRecord; distanceKm: number }[] {
    const found = new Map<string, { driver: DriverRecord; distanceKm: number }>();
    for (const { id, distanceKm } of this.state.available.within(center, radiusKm)) {
      if (this.changes.drivers.has(id)) continue;
      const driver = this.driver(id);
      if (driver) found.set(id, { driver, distanceKm });
    }
    for (const { record } of this.changes.drivers.values()) {
      if (!record.location || this.changes.departed.has(record.id)) continue;
      found.set(record.id, { driver: record, distanceKm: haversineKm(center, record.location) });
    }
    return [...found.values()];
  }

  /** Appends the delivery's next audit event; its version is one more than the last. */
  audit(deliveryId: string, eventType: AuditEventType, details: JsonObject, actor: Actor): AuditEntry {
    const delivery = this.requireDelivery(deliveryId);
    const version = delivery.auditVersion + 1;
    this.putDelivery({ ...delivery, auditVersion: version });
    const entry: AuditEntry = {
      id: this.newId(),
      orgId: delivery.orgId,
      zoneId: delivery.zoneId,
      deliveryId,
      timestamp: this.nowIso,
      eventType,
      actorId: actor.id,
      actorType: actor.type,
      details,
      version,
    };
    this.changes.audit.push(entry);
    return entry;
  }

  /** Appends the driver's next availability-history row (versions 1, 2, 3 … per driver). */
  history(driverId: string, from: Availability, to: Availability, reason: string | null, actor: Actor): HistoryEntry {
    const current = this.requireDriver(driverId);
    const driver = this.putDriver({ ...current, historyVersion: current.historyVersion + 1 });
    const entry: HistoryEntry = {
      id: this.newId(),
      orgId: driver.orgId,
      zoneId: driver.zoneId,
      driverId: driver.id,
      fromState: from,
      toState: to,
      reason,
      actorId: actor.id,
      actorType: actor.type,
      timestamp: this.nowIso,
      version: driver.historyVersion,
    };
    this.changes.history.push(entry);
    return entry;
  }

  /** History rows written elsewhere but not yet flushed (a driver moving in brings its own). */
  carryHistory(entries: HistoryEntry[]): void {
    this.changes.history.push(...entries);
  }

  timer(kind: TimerKind, ref: string): Timer | undefined {
    const write = this.changes.timers.get(timerKey(kind, ref));
    if (write) return write.dueAt === null ? undefined : { kind, ref, dueAt: write.dueAt };
    return this.state.timer(kind, ref);
  }

  setTimer(kind: TimerKind, ref: string, dueAt: number): void {
    this.changes.timers.set(timerKey(kind, ref), { kind, ref, dueAt });
  }

  clearTimer(kind: TimerKind, ref: string): void {
    if (this.timer(kind, ref)) this.changes.timers.set(timerKey(kind, ref), { kind, ref, dueAt: null });
  }
}
