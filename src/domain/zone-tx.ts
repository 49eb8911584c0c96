import type { AuditEventType } from "../contracts/audit";
import type { Availability } from "../contracts/statuses";
import { DriverMovedError, notFound } from "./errors";
import {
  type Actor,
  type AuditEntry,
  type DeliveryRecord,
  type DriverRecord,
  type HistoryEntry,
  type JsonObject,
  type Timer,
  type TimerKind,
  type ZoneConfig,
  iso,
  timerKey,
} from "./model";
import type { ZoneState } from "./zone-state";

/** A driver write; volatile ones (location ticks) update memory but not storage. */
export interface DriverWrite {
  record: DriverRecord;
  durable: boolean;
}

export interface TimerWrite {
  kind: TimerKind;
  ref: string;
  dueAt: number | null;
}

/** Everything one decision changed: committed in one storage transaction, then applied to memory. */
export interface ZoneChanges {
  zone: ZoneConfig | null;
  drivers: Map<string, DriverWrite>;
  /** Drivers handed over to another zone, as they left. */
  departed: Map<string, { toZoneId: string; driver: DriverRecord }>;
  /** Drivers (re)admitted here, clearing an earlier departure. */
  arrived: Set<string>;
  deliveries: Map<string, DeliveryRecord>;
  audit: AuditEntry[];
  history: HistoryEntry[];
  timers: Map<string, TimerWrite>;
}

/**
 * One decision's unit of work over a ZoneState: reads see this decision's own writes first, and
 * writes are only collected. Rules are functions of (tx, input), so the same rule runs in the
 * zone object, in unit tests and in the model simulation.
 */
export class ZoneTx {
  readonly changes: ZoneChanges = {
    zone: null,
    drivers: new Map(),
    departed: new Map(),
    arrived: new Set(),
    deliveries: new Map(),
    audit: [],
    history: [],
    timers: new Map(),
  };

  constructor(
    readonly state: ZoneState,
    readonly now: number,
    readonly newId: () => string = () => crypto.randomUUID(),
  ) {}

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
    return this.changes.deliveries.get(id) ?? this.state.deliveries.get(id);
  }

  requireDelivery(id: string): DeliveryRecord {
    const delivery = this.delivery(id);
    if (!delivery) throw notFound("Delivery not found");
    return delivery;
  }

  putDelivery(record: DeliveryRecord): DeliveryRecord {
    this.changes.deliveries.set(record.id, record);
    return record;
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
