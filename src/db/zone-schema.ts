/**
 * The zone object's own SQLite (one database per ZoneDispatcher). Records are stored whole as
 * JSON: the object loads them into memory once and every change rewrites the changed rows in
 * one transaction, so columns exist only where SQL must look inside (keys, due times).
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const zoneConfig = sqliteTable("zone_config", {
  id: text("id").primaryKey(),
  data: text("data", { mode: "json" }).notNull(),
});

export const drivers = sqliteTable("drivers", {
  id: text("id").primaryKey(),
  data: text("data", { mode: "json" }).notNull(),
});

/** Drivers moved to another zone: requests still routed here learn where they went. */
export const departedDrivers = sqliteTable("departed_drivers", {
  id: text("id").primaryKey(),
  toZoneId: text("to_zone_id").notNull(),
  /** The driver as it left, so an interrupted move can still be completed. */
  data: text("data", { mode: "json" }).notNull(),
});

export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    /** Only deliveries still under way are loaded into memory. */
    status: text("status").notNull().default("ready"),
    data: text("data", { mode: "json" }).notNull(),
  },
  (t) => [index("deliveries_status").on(t.status)],
);

export const offers = sqliteTable(
  "offers",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id").notNull(),
    driverId: text("driver_id").notNull(),
    status: text("status").notNull(),
    createdAt: text("created_at").notNull(),
    data: text("data", { mode: "json" }).notNull(),
  },
  (t) => [
    index("offers_driver").on(t.driverId, t.createdAt),
    index("offers_delivery").on(t.deliveryId, t.createdAt),
    index("offers_status").on(t.status),
  ],
);

export const assignments = sqliteTable(
  "assignments",
  {
    id: text("id").primaryKey(),
    deliveryId: text("delivery_id").notNull(),
    status: text("status").notNull(),
    data: text("data", { mode: "json" }).notNull(),
  },
  (t) => [index("assignments_status").on(t.status)],
);

export const timers = sqliteTable(
  "timers",
  {
    kind: text("kind").notNull(),
    ref: text("ref").notNull(),
    dueAt: integer("due_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.ref] }), index("timers_due").on(t.dueAt)],
);

/**
 * Deliveries each driver delivered here, with what performance sums over them: a projection of
 * the delivered delivery's record, written in the same commit, so a driver's figures are SQL
 * aggregates over one index range however long their history (domain/driver-performance.ts).
 */
export const driverDeliveries = sqliteTable(
  "driver_deliveries",
  {
    deliveryId: text("delivery_id").primaryKey(),
    driverId: text("driver_id").notNull(),
    deliveredAt: text("delivered_at").notNull(),
    /** 1 on time, 0 late, null without an accepted offer's estimate. */
    onTime: integer("on_time"),
    earningCents: integer("earning_cents").notNull(),
    rating: integer("rating"),
  },
  (t) => [index("driver_deliveries_driver").on(t.driverId, t.deliveredAt)],
);

/** Rows bound for D1, written with the change that caused them and deleted once flushed. */
export const outbox = sqliteTable(
  "outbox",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    kind: text("kind", { enum: ["audit", "history", "unassigned", "ticket", "cost"] }).notNull(),
    ref: text("ref").notNull(),
    payload: text("payload", { mode: "json" }).notNull(),
  },
  (t) => [index("outbox_ref").on(t.ref)],
);

/** Small facts of the shell itself: the outbox flush schedule and retry count, the Prometheus counters ("metrics"). */
export const meta = sqliteTable("meta", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).notNull(),
});

/** Recent socket events per audience, for `?since=<seq>` replay (kept ≥ 10 minutes). */
export const events = sqliteTable(
  "events",
  {
    audience: text("audience").notNull(),
    seq: integer("seq").notNull(),
    createdAt: integer("created_at").notNull(),
    payload: text("payload").notNull(),
  },
  (t) => [primaryKey({ columns: [t.audience, t.seq] }), index("events_created").on(t.createdAt)],
);

/**
 * A stream's seq floor: the last seq of an audience whose events were pruned, or the seq a
 * stream carried over from another zone starts after. Otherwise the newest event holds the last
 * seq, so streams continue across restarts and reconnects without a counter write per event.
 */
export const audienceSeq = sqliteTable("audience_seq", {
  audience: text("audience").primaryKey(),
  seq: integer("seq").notNull(),
});

/** Ops webhook notices waiting to be sent (or retried), written with the change that caused them. */
export const webhookQueue = sqliteTable(
  "webhook_queue",
  {
    id: text("id").primaryKey(),
    payload: text("payload", { mode: "json" }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    firstAttemptAt: integer("first_attempt_at"),
    lastError: text("last_error"),
  },
  (t) => [index("webhook_queue_due").on(t.nextAttemptAt)],
);

/**
 * Delivery events written with the change that caused them, waiting to be handed to the org's
 * subscriptions (fan-out reads the subscriptions from D1, so it cannot happen in the commit).
 */
export const deliveryEvents = sqliteTable("delivery_events", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  id: text("id").notNull(),
  payload: text("payload", { mode: "json" }).notNull(),
});

/**
 * One event for one subscription, waiting to be sent (or retried). `seq` follows the events'
 * order: only the lowest seq of a (subscription, delivery) pair is ever sent, so a delivery's
 * events reach each receiver in order.
 */
export const deliverySends = sqliteTable(
  "delivery_sends",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    eventId: text("event_id").notNull(),
    subscriptionId: text("subscription_id").notNull(),
    deliveryId: text("delivery_id").notNull(),
    payload: text("payload", { mode: "json" }).notNull(),
    attempts: integer("attempts").notNull(),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    firstAttemptAt: integer("first_attempt_at"),
    lastError: text("last_error"),
  },
  (t) => [
    uniqueIndex("delivery_sends_event").on(t.subscriptionId, t.eventId),
    index("delivery_sends_chain").on(t.subscriptionId, t.deliveryId, t.seq),
    index("delivery_sends_due").on(t.nextAttemptAt),
  ],
);
