import { and, asc, count, desc, eq, inArray, lte, notInArray } from "drizzle-orm";
import { type DrizzleSqliteDODatabase, drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import * as schema from "../db/zone-schema";
import migrations from "../db/zone-migrations/migrations";
import type { OfferStatus } from "../contracts/offers";
import type {
  AssignmentRecord,
  AuditEntry,
  DeliveryRecord,
  DriverRecord,
  HistoryEntry,
  OfferRecord,
  TimerKind,
  UnassignedRecord,
  ZoneConfig,
} from "../domain/model";
import { type ZoneArchive, ZoneState } from "../domain/zone-state";
import type { ZoneChanges } from "../domain/zone-tx";

interface OutboxPayloads {
  audit: AuditEntry;
  history: HistoryEntry;
  unassigned: UnassignedRecord;
}

export type OutboxRow = {
  [K in keyof OutboxPayloads]: { seq: number; kind: K; payload: OutboxPayloads[K] };
}[keyof OutboxPayloads];

const ENDED_DELIVERY = ["delivered", "failed", "cancelled"];

export interface FlushSchedule {
  dueAt: number | null;
  attempts: number;
}

const FLUSH_KEY = "outbox_flush";

/**
 * The zone object's only access to its SQLite: load the working set once, commit decisions,
 * read ended records back (the ZoneState's archive), and drain the outbox.
 */
export class ZoneStore implements ZoneArchive {
  private readonly db: DrizzleSqliteDODatabase<typeof schema>;

  constructor(private readonly storage: DurableObjectStorage) {
    this.db = drizzle(storage, { schema });
  }

  async migrate(): Promise<void> {
    await migrate(this.db, migrations);
  }

  load(): ZoneState {
    const state = new ZoneState(this);
    const zone = this.db.select().from(schema.zoneConfig).get();
    state.zone = (zone?.data as ZoneConfig | undefined) ?? null;
    for (const row of this.db.select().from(schema.drivers).all()) state.putDriver(row.data as DriverRecord);
    const live = this.db.select().from(schema.deliveries).where(notInArray(schema.deliveries.status, ENDED_DELIVERY)).all();
    for (const row of live) state.putDelivery(row.data as DeliveryRecord);
    for (const row of this.db.select().from(schema.offers).where(eq(schema.offers.status, "PENDING")).all()) {
      state.putOffer(row.data as OfferRecord);
    }
    for (const row of this.db.select().from(schema.assignments).where(eq(schema.assignments.status, "ACTIVE")).all()) {
      state.assignments.set(row.id, row.data as AssignmentRecord);
    }
    for (const row of this.db.select().from(schema.departedDrivers).all()) state.departed.set(row.id, row.toZoneId);
    for (const row of this.db.select().from(schema.timers).all()) {
      const kind = row.kind as TimerKind;
      state.timers.set(`${kind}:${row.ref}`, { kind, ref: row.ref, dueAt: row.dueAt });
    }
    return state;
  }

  // ── the archive: every record is in SQLite from its first commit ──────────────────────

  delivery(id: string): DeliveryRecord | undefined {
    return this.db.select().from(schema.deliveries).where(eq(schema.deliveries.id, id)).get()?.data as
      | DeliveryRecord
      | undefined;
  }

  offer(id: string): OfferRecord | undefined {
    return this.db.select().from(schema.offers).where(eq(schema.offers.id, id)).get()?.data as OfferRecord | undefined;
  }

  assignment(id: string): AssignmentRecord | undefined {
    return this.db.select().from(schema.assignments).where(eq(schema.assignments.id, id)).get()?.data as
      | AssignmentRecord
      | undefined;
  }

  remember(): void {}

  /** A driver's offers, newest first (GET /v2/drivers/:id/offers). */
  offersOfDriver(driverId: string, status: OfferStatus | undefined, limit: number): OfferRecord[] {
    const where = status
      ? and(eq(schema.offers.driverId, driverId), eq(schema.offers.status, status))
      : eq(schema.offers.driverId, driverId);
    return this.db
      .select({ data: schema.offers.data })
      .from(schema.offers)
      .where(where)
      .orderBy(desc(schema.offers.createdAt), desc(schema.offers.id))
      .limit(limit)
      .all()
      .map((row) => row.data as OfferRecord);
  }

  offersOfDelivery(deliveryId: string): OfferRecord[] {
    return this.db
      .select({ data: schema.offers.data })
      .from(schema.offers)
      .where(eq(schema.offers.deliveryId, deliveryId))
      .orderBy(asc(schema.offers.createdAt), asc(schema.offers.id))
      .all()
      .map((row) => row.data as OfferRecord);
  }

  assignmentsByIds(ids: string[]): AssignmentRecord[] {
    if (ids.length === 0) return [];
    return this.db
      .select({ data: schema.assignments.data })
      .from(schema.assignments)
      .where(inArray(schema.assignments.id, ids))
      .all()
      .map((row) => row.data as AssignmentRecord);
  }

  /** Writes one decision atomically: records, timers and its outbox rows, or nothing. */
  commit(changes: ZoneChanges): void {
    this.db.transaction((tx) => {
      if (changes.zone) {
        tx.insert(schema.zoneConfig)
          .values({ id: changes.zone.id, data: changes.zone })
          .onConflictDoUpdate({ target: schema.zoneConfig.id, set: { data: changes.zone } })
          .run();
      }
      for (const { record, durable } of changes.drivers.values()) {
        if (!durable) continue;
        tx.insert(schema.drivers)
          .values({ id: record.id, data: record })
          .onConflictDoUpdate({ target: schema.drivers.id, set: { data: record } })
          .run();
      }
      for (const id of changes.arrived) tx.delete(schema.departedDrivers).where(eq(schema.departedDrivers.id, id)).run();
      for (const [id, { toZoneId, driver }] of changes.departed) {
        tx.delete(schema.drivers).where(eq(schema.drivers.id, id)).run();
        tx.insert(schema.departedDrivers)
          .values({ id, toZoneId, data: driver })
          .onConflictDoUpdate({ target: schema.departedDrivers.id, set: { toZoneId, data: driver } })
          .run();
      }
      for (const record of changes.deliveries.values()) {
        tx.insert(schema.deliveries)
          .values({ id: record.id, status: record.status, data: record })
          .onConflictDoUpdate({ target: schema.deliveries.id, set: { status: record.status, data: record } })
          .run();
      }
      for (const offer of changes.offers.values()) {
        const { id, deliveryId, driverId, status, createdAt } = offer;
        tx.insert(schema.offers)
          .values({ id, deliveryId, driverId, status, createdAt, data: offer })
          .onConflictDoUpdate({ target: schema.offers.id, set: { status, data: offer } })
          .run();
      }
      for (const assignment of changes.assignments.values()) {
        const { id, deliveryId, status } = assignment;
        tx.insert(schema.assignments)
          .values({ id, deliveryId, status, data: assignment })
          .onConflictDoUpdate({ target: schema.assignments.id, set: { status, data: assignment } })
          .run();
      }
      for (const timer of changes.timers.values()) {
        const key = and(eq(schema.timers.kind, timer.kind), eq(schema.timers.ref, timer.ref));
        if (timer.dueAt === null) tx.delete(schema.timers).where(key).run();
        else {
          tx.insert(schema.timers)
            .values({ kind: timer.kind, ref: timer.ref, dueAt: timer.dueAt })
            .onConflictDoUpdate({ target: [schema.timers.kind, schema.timers.ref], set: { dueAt: timer.dueAt } })
            .run();
        }
      }
      for (const entry of changes.audit) {
        tx.insert(schema.outbox).values({ kind: "audit", ref: entry.deliveryId, payload: entry }).run();
      }
      for (const entry of changes.history) {
        tx.insert(schema.outbox).values({ kind: "history", ref: entry.driverId, payload: entry }).run();
      }
      for (const record of changes.unassigned.values()) {
        tx.insert(schema.outbox).values({ kind: "unassigned", ref: record.deliveryId, payload: record }).run();
      }
    });
  }

  /** A driver as it left this zone, or undefined if it never did. */
  departedSnapshot(id: string): DriverRecord | undefined {
    const row = this.db.select().from(schema.departedDrivers).where(eq(schema.departedDrivers.id, id)).get();
    return row?.data as DriverRecord | undefined;
  }

  /** Unflushed outbox rows about one delivery (audit) or driver (history), oldest first. */
  pendingFor<K extends keyof OutboxPayloads>(kind: K, ref: string): OutboxPayloads[K][] {
    return this.db
      .select({ payload: schema.outbox.payload })
      .from(schema.outbox)
      .where(and(eq(schema.outbox.kind, kind), eq(schema.outbox.ref, ref)))
      .orderBy(asc(schema.outbox.seq))
      .all()
      .map((row) => row.payload as OutboxPayloads[K]);
  }

  outboxBatch(limit: number): OutboxRow[] {
    return this.db.select().from(schema.outbox).orderBy(asc(schema.outbox.seq)).limit(limit).all() as OutboxRow[];
  }

  outboxSize(): number {
    return this.db.select({ n: count() }).from(schema.outbox).get()?.n ?? 0;
  }

  deleteOutboxThrough(seq: number): void {
    this.db.delete(schema.outbox).where(lte(schema.outbox.seq, seq)).run();
  }

  flushSchedule(): FlushSchedule {
    const row = this.db.select().from(schema.meta).where(eq(schema.meta.key, FLUSH_KEY)).get();
    return (row?.value as FlushSchedule | undefined) ?? { dueAt: null, attempts: 0 };
  }

  saveFlushSchedule(schedule: FlushSchedule): void {
    this.db
      .insert(schema.meta)
      .values({ key: FLUSH_KEY, value: schedule })
      .onConflictDoUpdate({ target: schema.meta.key, set: { value: schedule } })
      .run();
  }
}
