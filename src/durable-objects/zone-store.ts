/*
 * Every read and write of a zone's own SQLite, in one file on purpose (past ~300 lines): the one
 * commit transaction and the queries it must stay consistent with are easiest to check side by
 * side, and nothing else in the project touches these tables.
 */
import { and, asc, count, desc, eq, inArray, lte, min, notInArray } from "drizzle-orm";
import { type DrizzleSqliteDODatabase, drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import * as schema from "../db/zone-schema";
import type { WebhookFailure } from "../domain/outbox-retry";
import migrations from "../db/zone-migrations/migrations";
import type { OfferStatus } from "../contracts/offers";
import { DeliveryStatus } from "../contracts/statuses";
import { isTerminalDelivery } from "../domain/delivery-status";
import { type PerformanceTotals, type TimeRange, toCents } from "../domain/driver-performance";
import type {
  AssignmentRecord,
  AuditEntry,
  DeliveryCost,
  DeliveryRecord,
  DriverRecord,
  HealthMark,
  HistoryEntry,
  OfferRecord,
  OpsNotification,
  SupportTicket,
  TimerKind,
  UnassignedRecord,
  ZoneConfig,
} from "../domain/model";
import type { ZoneArchive, ZoneState } from "../domain/zone-state";
import { rebuildZoneState } from "../domain/zone-reload";
import type { ZoneChanges } from "../domain/zone-changes";
import type { DeliveryEvent } from "../contracts/delivery-webhooks";
import { type Webhook, type WebhookOutcome, type ZoneCounters, countWebhookSend, readCounters } from "../domain/zone-metrics";

interface OutboxPayloads {
  audit: AuditEntry;
  history: HistoryEntry;
  unassigned: UnassignedRecord;
  ticket: SupportTicket;
  cost: DeliveryCost;
}

export type OutboxRow = {
  [K in keyof OutboxPayloads]: { seq: number; kind: K; payload: OutboxPayloads[K] };
}[keyof OutboxPayloads];

const ENDED_DELIVERY = DeliveryStatus.options.filter(isTerminalDelivery);

const UPSERT = {
  zone: "INSERT INTO zone_config (id, data) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data",
  driver: "INSERT INTO drivers (id, data) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data",
  departed:
    "INSERT INTO departed_drivers (id, to_zone_id, data) VALUES (?, ?, ?) " +
    "ON CONFLICT(id) DO UPDATE SET to_zone_id = excluded.to_zone_id, data = excluded.data",
  delivery:
    "INSERT INTO deliveries (id, status, data) VALUES (?, ?, ?) " +
    "ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data",
  offer:
    "INSERT INTO offers (id, delivery_id, driver_id, status, created_at, data) VALUES (?, ?, ?, ?, ?, ?) " +
    "ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data",
  assignment:
    "INSERT INTO assignments (id, delivery_id, status, data) VALUES (?, ?, ?, ?) " +
    "ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data",
  audienceSeq:
    "INSERT INTO audience_seq (audience, seq) VALUES (?, ?) ON CONFLICT(audience) DO UPDATE SET seq = excluded.seq",
  timer:
    "INSERT INTO timers (kind, ref, due_at) VALUES (?, ?, ?) ON CONFLICT(kind, ref) DO UPDATE SET due_at = excluded.due_at",
  meta: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  driverDelivery:
    "INSERT INTO driver_deliveries (delivery_id, driver_id, delivered_at, on_time, earning_cents, rating) VALUES (?, ?, ?, ?, ?, ?) " +
    "ON CONFLICT(delivery_id) DO UPDATE SET on_time = excluded.on_time, earning_cents = excluded.earning_cents, rating = excluded.rating",
};

/**
 * A driver's performance sums (domain/driver-performance.ts, the same per-record rules), each
 * over one range of its index: offers by (driver_id, created_at), deliveries by (driver_id, delivered_at).
 */
const OFFER_TOTALS =
  "SELECT coalesce(sum(status = 'ACCEPTED'), 0) AS accepted, coalesce(sum(status = 'REJECTED'), 0) AS rejected, " +
  "coalesce(sum(status = 'EXPIRED'), 0) AS expired, " +
  "count(CASE WHEN status IN ('ACCEPTED', 'REJECTED') THEN json_extract(data, '$.responseTimeMs') END) AS responded, " +
  "coalesce(sum(CASE WHEN status IN ('ACCEPTED', 'REJECTED') THEN json_extract(data, '$.responseTimeMs') END), 0) AS response_ms_sum " +
  "FROM offers WHERE driver_id = ? AND created_at >= ? AND created_at < ?";
const DELIVERY_TOTALS =
  "SELECT count(*) AS delivered, count(on_time) AS timed, coalesce(sum(on_time), 0) AS on_time, count(rating) AS rated, " +
  "coalesce(sum(rating), 0) AS rating_sum, coalesce(sum(earning_cents), 0) AS earning_cents " +
  "FROM driver_deliveries WHERE driver_id = ? AND delivered_at >= ? AND delivered_at < ?";
/** Queues an ops notice for a fresh round of attempts (a new one, or a dead letter sent again). */
const ENQUEUE_WEBHOOK =
  "INSERT INTO webhook_queue (id, payload, attempts, next_attempt_at) VALUES (?, ?, 0, ?) " +
  "ON CONFLICT(id) DO UPDATE SET attempts = 0, next_attempt_at = excluded.next_attempt_at, first_attempt_at = NULL, last_error = NULL";
/** Queues one delivery event for one subscription; a dead letter sent again gets a fresh round at the chain's end. */
const ENQUEUE_DELIVERY_SEND =
  "INSERT INTO delivery_sends (event_id, subscription_id, delivery_id, payload, attempts, next_attempt_at) VALUES (?, ?, ?, ?, 0, ?) " +
  "ON CONFLICT(subscription_id, event_id) DO UPDATE SET attempts = 0, next_attempt_at = excluded.next_attempt_at, first_attempt_at = NULL, last_error = NULL";
/** The sends at the head of their (subscription, delivery) chain: no earlier event of the pair is still waiting. */
const CHAIN_HEAD =
  "NOT EXISTS (SELECT 1 FROM delivery_sends e WHERE e.subscription_id = s.subscription_id AND e.delivery_id = s.delivery_id AND e.seq < s.seq)";
/** At most this many events are kept per audience for replay. */
const EVENTS_PER_AUDIENCE = 1000;

/** What the commit writes through: SqlStorage, or a wrapper of it. */
interface SqlWriter {
  exec(query: string, ...bindings: unknown[]): void;
}

/** A multi-row INSERT: its head, and the placeholders of one row. */
interface RowsInsert {
  head: string;
  row: string;
  columns: number;
}
const INSERT_OUTBOX: RowsInsert = { head: "INSERT INTO outbox (kind, ref, payload) VALUES ", row: "(?, ?, ?)", columns: 3 };
const INSERT_DELIVERY_EVENT: RowsInsert = { head: "INSERT INTO delivery_events (id, payload) VALUES ", row: "(?, ?)", columns: 2 };
const INSERT_EVENT: RowsInsert = {
  head: "INSERT INTO events (audience, seq, created_at, payload) VALUES ",
  row: "(?, ?, ?, ?)",
  columns: 4,
};
/** Durable Object SQLite binds at most 100 parameters per statement. */
const MAX_BOUND_PARAMETERS = 100;

/**
 * Inserts rows in as few statements as the parameter limit allows: every statement has a fixed
 * cost beyond its rows, and a decision writes several outbox rows and events (one statement for
 * them took about a fifth off a create+accept cycle, README "Performance"). Rows keep their
 * order (the outbox seq follows it).
 */
function insertRows(sql: SqlWriter, insert: RowsInsert, rows: unknown[][]): void {
  const perStatement = Math.floor(MAX_BOUND_PARAMETERS / insert.columns);
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    sql.exec(insert.head + Array(chunk.length).fill(insert.row).join(", "), ...chunk.flat());
  }
}

/** The last seq of an audience: its newest retained event, or the floor kept in audience_seq. */
const LAST_SEQ =
  "SELECT max(seq) AS seq FROM (SELECT max(seq) AS seq FROM events WHERE audience = ? " +
  "UNION ALL SELECT seq FROM audience_seq WHERE audience = ?)";
/** Before events are pruned, each stream they belong to keeps its last seq as a floor. */
const KEEP_PRUNED_SEQS =
  "INSERT INTO audience_seq (audience, seq) SELECT audience, max(seq) FROM events WHERE created_at < ? GROUP BY audience " +
  "ON CONFLICT(audience) DO UPDATE SET seq = max(audience_seq.seq, excluded.seq)";

/** One event as one audience's stream holds it: `payload` is the exact text sent. */
export interface StreamRow {
  audience: string;
  seq: number;
  createdAt: number;
  payload: string;
}

/** SQL that adds up the rows its statements wrote: a decision's log line reports them. */
function countingWrites(sql: SqlStorage): SqlWriter & { rows: number } {
  const counting = {
    rows: 0,
    exec: (query: string, ...bindings: unknown[]) => {
      counting.rows += sql.exec(query, ...bindings).rowsWritten;
    },
  };
  return counting;
}

/** Location ticks change memory only; a decision with nothing durable skips the transaction. */
function hasDurableWork(c: ZoneChanges): boolean {
  if (c.zone || c.departed.size || c.arrived.size || c.deliveries.size || c.offers.size || c.assignments.size) return true;
  if (c.timers.size || c.audit.length || c.history.length || c.unassigned.size) return true;
  if (c.tickets.length || c.notifications.length || c.health || c.costs.length) return true;
  for (const write of c.drivers.values()) if (write.durable) return true;
  return false;
}

/** One delivery event waiting for one subscription. */
export interface DeliverySendRow {
  seq: number;
  subscriptionId: string;
  payload: DeliveryEvent;
  attempts: number;
  firstAttemptAt: number | null;
}

export interface FlushSchedule {
  dueAt: number | null;
  attempts: number;
}

const FLUSH_KEY = "outbox_flush";
/** The zone's health mark (domain/health-watch.ts): recent waits, last announcement, alerts standing. */
const HEALTH_KEY = "zone_health";
/** The zone's Prometheus counters (domain/zone-metrics.ts), rewritten whole with whatever counted. */
const METRICS_KEY = "metrics";

/**
 * The zone object's only access to its SQLite: load the working set once, commit decisions,
 * read ended records back (the ZoneState's archive), and drain the outbox.
 */
export class ZoneStore implements ZoneArchive {
  private readonly db: DrizzleSqliteDODatabase<typeof schema>;
  private counted: ZoneCounters | null = null;

  constructor(private readonly storage: DurableObjectStorage) {
    this.db = drizzle(storage, { schema });
  }

  async migrate(): Promise<void> {
    await migrate(this.db, migrations);
  }

  /** The working set as stored, rebuilt into memory (see rebuildZoneState). */
  load(): ZoneState {
    const zone = this.db.select().from(schema.zoneConfig).get();
    const rows = <T>(found: { data: unknown }[]) => found.map((row) => row.data as T);
    return rebuildZoneState(this, {
      zone: (zone?.data as ZoneConfig | undefined) ?? null,
      drivers: rows<DriverRecord>(this.db.select().from(schema.drivers).all()),
      liveDeliveries: rows<DeliveryRecord>(
        this.db.select().from(schema.deliveries).where(notInArray(schema.deliveries.status, ENDED_DELIVERY)).all(),
      ),
      pendingOffers: rows<OfferRecord>(this.db.select().from(schema.offers).where(eq(schema.offers.status, "PENDING")).all()),
      activeAssignments: rows<AssignmentRecord>(
        this.db.select().from(schema.assignments).where(eq(schema.assignments.status, "ACTIVE")).all(),
      ),
      departed: this.db.select().from(schema.departedDrivers).all().map((row) => ({ id: row.id, toZoneId: row.toZoneId })),
      timers: this.db.select().from(schema.timers).all().map((row) => ({ kind: row.kind as TimerKind, ref: row.ref, dueAt: row.dueAt })),
      health: (this.db.select().from(schema.meta).where(eq(schema.meta.key, HEALTH_KEY)).get()?.value as HealthMark | undefined) ?? null,
    });
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

  performanceTotals(driverId: string, range: TimeRange): PerformanceTotals {
    const offers = this.storage.sql
      .exec<{ accepted: number; rejected: number; expired: number; responded: number; response_ms_sum: number }>(
        OFFER_TOTALS,
        driverId,
        range.from,
        range.to,
      )
      .one();
    const delivered = this.storage.sql
      .exec<{ delivered: number; timed: number; on_time: number; rated: number; rating_sum: number; earning_cents: number }>(
        DELIVERY_TOTALS,
        driverId,
        range.from,
        range.to,
      )
      .one();
    return {
      delivered: delivered.delivered,
      timed: delivered.timed,
      onTime: delivered.on_time,
      rated: delivered.rated,
      ratingSum: delivered.rating_sum,
      earningCents: delivered.earning_cents,
      accepted: offers.accepted,
      rejected: offers.rejected,
      expired: offers.expired,
      responded: offers.responded,
      responseMsSum: offers.response_ms_sum,
    };
  }

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

  /** The zone's counters as last committed (read from meta once, then kept in memory). */
  get counters(): ZoneCounters {
    this.counted ??= readCounters(this.db.select().from(schema.meta).where(eq(schema.meta.key, METRICS_KEY)).get()?.value);
    return this.counted;
  }

  /**
   * Writes one decision atomically: records, timers, its outbox rows and the counters it moved
   * (null: none), or nothing. Answers how many rows it wrote. This is the hot path of every
   * decision, so it runs fixed SQL strings (prepared once by the runtime) rather than building
   * each statement with drizzle; the tables are those of zone-schema.ts.
   */
  commit(changes: ZoneChanges, stream: StreamRow[] = [], deliveryEvents: DeliveryEvent[] = [], counters: ZoneCounters | null = null): number {
    if (!hasDurableWork(changes) && stream.length === 0) return 0;
    const sql = countingWrites(this.storage.sql);
    const json = JSON.stringify;
    this.storage.transactionSync(() => {
      if (changes.zone) sql.exec(UPSERT.zone, changes.zone.id, json(changes.zone));
      for (const { record, durable } of changes.drivers.values()) {
        if (durable) sql.exec(UPSERT.driver, record.id, json(record));
      }
      for (const id of changes.arrived) sql.exec("DELETE FROM departed_drivers WHERE id = ?", id);
      for (const [id, { toZoneId, driver }] of changes.departed) {
        sql.exec("DELETE FROM drivers WHERE id = ?", id);
        sql.exec(UPSERT.departed, id, toZoneId, json(driver));
      }
      for (const d of changes.deliveries.values()) sql.exec(UPSERT.delivery, d.id, d.status, json(d));
      for (const o of changes.offers.values()) {
        sql.exec(UPSERT.offer, o.id, o.deliveryId, o.driverId, o.status, o.createdAt, json(o));
      }
      for (const a of changes.assignments.values()) sql.exec(UPSERT.assignment, a.id, a.deliveryId, a.status, json(a));
      for (const d of changes.deliveries.values()) {
        if (d.status !== "delivered" || !d.assignedDriverId || !d.deliveredAt) continue;
        const onTime = d.onTime === null || d.onTime === undefined ? null : Number(d.onTime);
        sql.exec(UPSERT.driverDelivery, d.id, d.assignedDriverId, d.deliveredAt, onTime, toCents(d.earning ?? 0), d.rating?.rating ?? null);
      }
      for (const t of changes.timers.values()) {
        if (t.dueAt === null) sql.exec("DELETE FROM timers WHERE kind = ? AND ref = ?", t.kind, t.ref);
        else sql.exec(UPSERT.timer, t.kind, t.ref, t.dueAt);
      }
      insertRows(sql, INSERT_OUTBOX, [
        ...changes.audit.map((e) => ["audit", e.deliveryId, json(e)]),
        ...changes.history.map((e) => ["history", e.driverId, json(e)]),
        ...[...changes.unassigned.values()].map((r) => ["unassigned", r.deliveryId, json(r)]),
        ...changes.tickets.map((t) => ["ticket", t.deliveryId, json(t)]),
        ...changes.costs.map((c) => ["cost", c.deliveryId, json(c)]),
      ]);
      if (changes.health) sql.exec(UPSERT.meta, HEALTH_KEY, json(changes.health));
      for (const n of changes.notifications) sql.exec(ENQUEUE_WEBHOOK, n.id, json(n), Date.parse(n.occurredAt));
      insertRows(sql, INSERT_DELIVERY_EVENT, deliveryEvents.map((e) => [e.id, json(e)]));
      // The events are the streams' seq counters too (see lastSeq), so no counter row is written.
      insertRows(sql, INSERT_EVENT, stream.map((e) => [e.audience, e.seq, e.createdAt, e.payload]));
      for (const e of stream) {
        // Besides the age limit (pruneEvents), a stream keeps its last EVENTS_PER_AUDIENCE events.
        if (e.seq % 100 === 0) sql.exec("DELETE FROM events WHERE audience = ? AND seq <= ?", e.audience, e.seq - EVENTS_PER_AUDIENCE);
      }
      if (counters) sql.exec(UPSERT.meta, METRICS_KEY, json(counters));
    });
    if (counters) this.counted = counters;
    return sql.rows;
  }

  /** Runs a send's queue write with its counter (when it counts) in one transaction. */
  private recordSend(webhook: Webhook, outcome: WebhookOutcome | undefined, write: () => void): void {
    if (!outcome) return write();
    const counters = countWebhookSend(this.counters, webhook, outcome);
    this.storage.transactionSync(() => {
      write();
      this.storage.sql.exec(UPSERT.meta, METRICS_KEY, JSON.stringify(counters));
    });
    this.counted = counters;
  }

  /** The last seq given out on an audience's stream (0 before the first event). */
  lastSeq(audience: string): number {
    return this.storage.sql.exec<{ seq: number | null }>(LAST_SEQ, audience, audience).one().seq ?? 0;
  }

  setLastSeq(audience: string, seq: number): void {
    this.storage.sql.exec(UPSERT.audienceSeq, audience, seq);
  }

  /** An audience's retained events after `since`, in order: the exact texts that were sent. */
  eventsSince(audience: string, since: number): string[] {
    return this.storage.sql
      .exec<{ payload: string }>("SELECT payload FROM events WHERE audience = ? AND seq > ? ORDER BY seq", audience, since)
      .toArray()
      .map((row) => row.payload);
  }

  /** Drops events older than `before` (epoch ms) from every stream. */
  pruneEvents(before: number): void {
    this.storage.transactionSync(() => {
      this.storage.sql.exec(KEEP_PRUNED_SEQS, before);
      this.storage.sql.exec("DELETE FROM events WHERE created_at < ?", before);
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

  // ── the ops webhook queue ───────────────────────────────────────────────────────────────

  /** A notice sent again (a dead letter ops retry): a fresh round of attempts, due at once. */
  enqueueWebhook(notice: OpsNotification, now: number): void {
    this.storage.sql.exec(ENQUEUE_WEBHOOK, notice.id, JSON.stringify(notice), now);
  }

  dueWebhooks(now: number, limit: number) {
    return this.db
      .select()
      .from(schema.webhookQueue)
      .where(lte(schema.webhookQueue.nextAttemptAt, now))
      .orderBy(asc(schema.webhookQueue.nextAttemptAt))
      .limit(limit)
      .all()
      .map((row) => ({ ...row, payload: row.payload as OpsNotification }));
  }

  nextWebhookAt(): number | null {
    return this.db.select({ at: min(schema.webhookQueue.nextAttemptAt) }).from(schema.webhookQueue).get()?.at ?? null;
  }

  /** A notice leaves the queue; `counted` is the send's outcome (none when nothing was sent). */
  webhookDone(id: string, counted?: WebhookOutcome): void {
    this.recordSend("ops", counted, () => this.db.delete(schema.webhookQueue).where(eq(schema.webhookQueue.id, id)).run());
  }

  webhookFailed(id: string, failure: Omit<WebhookFailure, "deadLetter">, counted?: WebhookOutcome): void {
    this.recordSend("ops", counted, () => this.db.update(schema.webhookQueue).set(failure).where(eq(schema.webhookQueue.id, id)).run());
  }

  // ── the delivery webhooks' queue ────────────────────────────────────────────────────────

  /** Events committed but not yet handed to the subscriptions, oldest first. */
  pendingDeliveryEvents(limit: number): { seq: number; event: DeliveryEvent }[] {
    return this.db
      .select()
      .from(schema.deliveryEvents)
      .orderBy(asc(schema.deliveryEvents.seq))
      .limit(limit)
      .all()
      .map((row) => ({ seq: row.seq, event: row.payload as DeliveryEvent }));
  }

  /**
   * Hands events to the subscriptions `subscribersOf` names, in one transaction: each event
   * becomes one send per subscription (in event order) and leaves the fan-out queue.
   */
  fanOutDeliveryEvents(rows: { seq: number; event: DeliveryEvent }[], subscribersOf: (event: DeliveryEvent) => string[], now: number): void {
    const last = rows.at(-1);
    if (!last) return;
    this.storage.transactionSync(() => {
      for (const { event } of rows) {
        for (const id of subscribersOf(event)) this.storage.sql.exec(ENQUEUE_DELIVERY_SEND, event.id, id, event.data.deliveryId, JSON.stringify(event), now);
      }
      this.storage.sql.exec("DELETE FROM delivery_events WHERE seq <= ?", last.seq);
    });
  }

  /** A dead letter sent again: a fresh round of attempts, after whatever the chain already holds. */
  requeueDeliverySend(subscriptionId: string, event: DeliveryEvent, now: number): void {
    this.storage.transactionSync(() => {
      this.storage.sql.exec("DELETE FROM delivery_sends WHERE subscription_id = ? AND event_id = ?", subscriptionId, event.id);
      this.storage.sql.exec(ENQUEUE_DELIVERY_SEND, event.id, subscriptionId, event.data.deliveryId, JSON.stringify(event), now);
    });
  }

  /** Sends due now, each the earliest waiting event of its (subscription, delivery) pair. */
  dueDeliverySends(now: number, limit: number): DeliverySendRow[] {
    return this.storage.sql
      .exec<{ seq: number; subscription_id: string; payload: string; attempts: number; first_attempt_at: number | null }>(
        `SELECT seq, subscription_id, payload, attempts, first_attempt_at FROM delivery_sends s WHERE next_attempt_at <= ? AND ${CHAIN_HEAD} ORDER BY next_attempt_at, seq LIMIT ?`,
        now,
        limit,
      )
      .toArray()
      .map((row) => ({
        seq: row.seq,
        subscriptionId: row.subscription_id,
        payload: JSON.parse(row.payload) as DeliveryEvent,
        attempts: row.attempts,
        firstAttemptAt: row.first_attempt_at,
      }));
  }

  /**
   * When the next delivery send is due: now while events wait for fan-out, else the earliest
   * chain head (a send behind its chain's head waits for it, however old its own time).
   */
  nextDeliverySendAt(now: number): number | null {
    if (this.storage.sql.exec("SELECT 1 FROM delivery_events LIMIT 1").toArray().length > 0) return now;
    return this.storage.sql.exec<{ at: number | null }>(`SELECT min(next_attempt_at) AS at FROM delivery_sends s WHERE ${CHAIN_HEAD}`).one().at;
  }

  /** A send leaves the queue; `counted` is its outcome (none when nothing was sent). */
  deliverySendDone(seq: number, counted?: WebhookOutcome): void {
    this.recordSend("delivery", counted, () => this.db.delete(schema.deliverySends).where(eq(schema.deliverySends.seq, seq)).run());
  }

  deliverySendFailed(seq: number, failure: Omit<WebhookFailure, "deadLetter">, counted?: WebhookOutcome): void {
    this.recordSend("delivery", counted, () => this.db.update(schema.deliverySends).set(failure).where(eq(schema.deliverySends.seq, seq)).run());
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
