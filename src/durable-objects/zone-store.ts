import { and, asc, count, eq, lte } from "drizzle-orm";
import { type DrizzleSqliteDODatabase, drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import * as schema from "../db/zone-schema";
import migrations from "../db/zone-migrations/migrations";
import type { AuditEntry, DeliveryRecord, DriverRecord, HistoryEntry, TimerKind, ZoneConfig } from "../domain/model";
import { ZoneState } from "../domain/zone-state";
import type { ZoneChanges } from "../domain/zone-tx";

interface OutboxPayloads {
  audit: AuditEntry;
  history: HistoryEntry;
}

export type OutboxRow =
  | { seq: number; kind: "audit"; payload: AuditEntry }
  | { seq: number; kind: "history"; payload: HistoryEntry };

export interface FlushSchedule {
  dueAt: number | null;
  attempts: number;
}

const FLUSH_KEY = "outbox_flush";

/** The zone object's only access to its SQLite: load once, commit decisions, drain the outbox. */
export class ZoneStore {
  private readonly db: DrizzleSqliteDODatabase<typeof schema>;

  constructor(private readonly storage: DurableObjectStorage) {
    this.db = drizzle(storage, { schema });
  }

  async migrate(): Promise<void> {
    await migrate(this.db, migrations);
  }

  load(): ZoneState {
    const state = new ZoneState();
    const zone = this.db.select().from(schema.zoneConfig).get();
    state.zone = (zone?.data as ZoneConfig | undefined) ?? null;
    for (const row of this.db.select().from(schema.drivers).all()) state.drivers.set(row.id, row.data as DriverRecord);
    for (const row of this.db.select().from(schema.deliveries).all()) {
      state.deliveries.set(row.id, row.data as DeliveryRecord);
    }
    for (const row of this.db.select().from(schema.departedDrivers).all()) state.departed.set(row.id, row.toZoneId);
    for (const row of this.db.select().from(schema.timers).all()) {
      const kind = row.kind as TimerKind;
      state.timers.set(`${kind}:${row.ref}`, { kind, ref: row.ref, dueAt: row.dueAt });
    }
    return state;
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
          .values({ id: record.id, data: record })
          .onConflictDoUpdate({ target: schema.deliveries.id, set: { data: record } })
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
