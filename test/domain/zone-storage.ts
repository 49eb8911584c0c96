import { isTerminalDelivery } from "../../src/domain/delivery-status";
import type { AssignmentRecord, DeliveryRecord, DriverRecord, HealthMark, OfferRecord, Timer, ZoneConfig } from "../../src/domain/model";
import type { ZoneChanges } from "../../src/domain/zone-changes";
import type { StoredWorkingSet } from "../../src/domain/zone-reload";
import type { FlushSchedule, OutboxRow } from "../../src/durable-objects/zone-store";

/** The records tables a recording archive already keeps (every version ever committed, newest). */
export interface ArchivedRecords {
  deliveries: Map<string, DeliveryRecord>;
  offers: Map<string, OfferRecord>;
  assignments: Map<string, AssignmentRecord>;
}

/** Stored rows come back as SQLite's JSON text parses: plain data, never a shared object. */
const asStored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/**
 * What a zone object's SQLite holds besides the records tables, written the way
 * `ZoneStore.commit` writes one decision: only durable driver writes, departures replacing the
 * driver's row, timers upserted or deleted, and the outbox rows numbered in commit order. The
 * flush schedule row exists only once a flush has failed (OutboxFlusher stores no plain "now").
 */
export function zoneStorage() {
  let zone: ZoneConfig | null = null;
  let health: HealthMark | null = null;
  const drivers = new Map<string, DriverRecord>();
  const departed = new Map<string, { toZoneId: string; driver: DriverRecord }>();
  const timers = new Map<string, Timer>();
  const outbox: OutboxRow[] = [];
  let lastSeq = 0;
  let flushSchedule: FlushSchedule | null = null;
  const append = (rows: Omit<OutboxRow, "seq">[]) => {
    for (const row of rows) outbox.push({ ...row, seq: ++lastSeq } as OutboxRow);
  };
  return {
    outbox,
    commit(changes: ZoneChanges): void {
      if (changes.zone) zone = changes.zone;
      if (changes.health) health = changes.health;
      for (const { record, durable } of changes.drivers.values()) if (durable) drivers.set(record.id, record);
      for (const id of changes.arrived) departed.delete(id);
      for (const [id, move] of changes.departed) {
        drivers.delete(id);
        departed.set(id, move);
      }
      for (const [key, t] of changes.timers) {
        if (t.dueAt === null) timers.delete(key);
        else timers.set(key, { kind: t.kind, ref: t.ref, dueAt: t.dueAt });
      }
      append([
        ...changes.audit.map((payload) => ({ kind: "audit" as const, payload })),
        ...changes.history.map((payload) => ({ kind: "history" as const, payload })),
        ...[...changes.unassigned.values()].map((payload) => ({ kind: "unassigned" as const, payload })),
        ...changes.tickets.map((payload) => ({ kind: "ticket" as const, payload })),
        ...changes.costs.map((payload) => ({ kind: "cost" as const, payload })),
      ]);
    },
    /** What `ZoneStore.load` reads on wake, as fresh copies of the stored JSON. */
    workingSet(records: ArchivedRecords): StoredWorkingSet {
      return asStored({
        zone,
        drivers: [...drivers.values()],
        liveDeliveries: [...records.deliveries.values()].filter((d) => !isTerminalDelivery(d.status)),
        pendingOffers: [...records.offers.values()].filter((o) => o.status === "PENDING"),
        activeAssignments: [...records.assignments.values()].filter((a) => a.status === "ACTIVE"),
        departed: [...departed].map(([id, { toZoneId }]) => ({ id, toZoneId })),
        timers: [...timers.values()],
        health,
      });
    },
    deleteOutboxThrough(seq: number): void {
      while (outbox.length > 0 && outbox[0]!.seq <= seq) outbox.shift();
    },
    flushSchedule: (): FlushSchedule => flushSchedule ?? { dueAt: null, attempts: 0 },
    saveFlushSchedule(schedule: FlushSchedule): void {
      flushSchedule = schedule;
    },
  };
}

export type ZoneStorage = ReturnType<typeof zoneStorage>;
