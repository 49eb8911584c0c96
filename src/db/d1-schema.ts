/**
 * D1: what is read across zones or kept long (docs/architecture.md). Every table carries org_id and every
 * query filters on it. Generate migrations with `npm run db:generate`.
 */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const zones = sqliteTable(
  "zones",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    name: text("name").notNull(),
    polygon: text("polygon", { mode: "json" }).notNull(),
    priorityLevel: integer("priority_level").notNull(),
    minDriversOnline: integer("min_drivers_online").notNull(),
    targetWaitTimeSeconds: integer("target_wait_time_seconds").notNull(),
    timezone: text("timezone").notNull(),
    settings: text("settings", { mode: "json" }).notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("zones_org").on(t.orgId, t.createdAt)],
);

/** Which zone object holds a driver, a delivery or an order (kind + ref within an org). */
export const directory = sqliteTable(
  "directory",
  {
    orgId: text("org_id").notNull(),
    kind: text("kind", { enum: ["driver", "delivery", "order"] }).notNull(),
    ref: text("ref").notNull(),
    zoneId: text("zone_id").notNull(),
    entityId: text("entity_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.kind, t.ref] })],
);

export const deliveryAuditLogs = sqliteTable(
  "delivery_audit_logs",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    zoneId: text("zone_id").notNull(),
    deliveryId: text("delivery_id").notNull(),
    timestamp: text("timestamp").notNull(),
    eventType: text("event_type").notNull(),
    actorId: text("actor_id"),
    actorType: text("actor_type"),
    details: text("details", { mode: "json" }).notNull(),
    version: integer("version").notNull(),
  },
  (t) => [
    uniqueIndex("audit_delivery_version").on(t.deliveryId, t.version),
    index("audit_org_delivery").on(t.orgId, t.deliveryId),
    // The dispatch report counts an org's events by type over a time window.
    index("audit_org_type_time").on(t.orgId, t.eventType, t.timestamp),
  ],
);

export const driverAvailabilityHistory = sqliteTable(
  "driver_availability_history",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    zoneId: text("zone_id").notNull(),
    driverId: text("driver_id").notNull(),
    fromState: text("from_state").notNull(),
    toState: text("to_state").notNull(),
    reason: text("reason"),
    actorId: text("actor_id"),
    actorType: text("actor_type").notNull(),
    timestamp: text("timestamp").notNull(),
    version: integer("version").notNull(),
  },
  (t) => [uniqueIndex("history_driver_version").on(t.driverId, t.version), index("history_org_driver").on(t.orgId, t.driverId)],
);

/** Idempotency-Key records, scoped to org + caller; `status` 0 while the first request runs. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    orgId: text("org_id").notNull(),
    callerId: text("caller_id").notNull(),
    key: text("key").notNull(),
    fingerprint: text("fingerprint").notNull(),
    status: integer("status").notNull(),
    body: text("body"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.callerId, t.key] }), index("idempotency_created").on(t.createdAt)],
);

/** Deliveries matching found nobody for (seed 001 "Unassigned Orders"); written by the zones. */
export const unassignedOrders = sqliteTable(
  "unassigned_orders",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    zoneId: text("zone_id").notNull(),
    deliveryId: text("delivery_id").notNull(),
    sellerOrderId: text("seller_order_id").notNull(),
    location: text("location", { mode: "json" }).notNull(),
    failureReason: text("failure_reason").notNull(),
    firstAttemptAt: text("first_attempt_at").notNull(),
    lastAttemptAt: text("last_attempt_at").notNull(),
    attemptCount: integer("attempt_count").notNull(),
    escalationLevel: integer("escalation_level").notNull(),
    escalationStatus: text("escalation_status").notNull(),
    supportTicketId: text("support_ticket_id"),
    notificationSentAt: text("notification_sent_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("unassigned_delivery").on(t.deliveryId),
    index("unassigned_org_level").on(t.orgId, t.escalationLevel),
    index("unassigned_org_zone").on(t.orgId, t.zoneId),
  ],
);

/** Customer tracking tokens (stored as SHA-256 hex): which org's order a token opens. */
export const trackingTokens = sqliteTable("tracking_tokens", {
  tokenHash: text("token_hash").primaryKey(),
  orgId: text("org_id").notNull(),
  orderId: text("order_id").notNull(),
  deliveryId: text("delivery_id").notNull(),
  zoneId: text("zone_id").notNull(),
});

/** Tickets opened for ops by escalation level 1; written by the zones, resolved by ops in D1. */
export const supportTickets = sqliteTable(
  "support_tickets",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    zoneId: text("zone_id").notNull(),
    deliveryId: text("delivery_id").notNull(),
    sellerOrderId: text("seller_order_id").notNull(),
    priority: text("priority").notNull(),
    title: text("title").notNull(),
    description: text("description").notNull(),
    status: text("status", { enum: ["OPEN", "RESOLVED"] }).notNull(),
    createdAt: text("created_at").notNull(),
    resolvedAt: text("resolved_at"),
    resolvedBy: text("resolved_by"),
    resolution: text("resolution"),
  },
  (t) => [index("tickets_org_status").on(t.orgId, t.status, t.createdAt), index("tickets_delivery").on(t.deliveryId)],
);

/** Per-org settings (PATCH /v2/admin/settings): where ops notices are POSTed, and the HMAC key. */
export const orgSettings = sqliteTable("org_settings", {
  orgId: text("org_id").primaryKey(),
  opsWebhookUrl: text("ops_webhook_url"),
  opsWebhookSecret: text("ops_webhook_secret"),
  updatedAt: text("updated_at").notNull(),
});

/** Ops webhook notices that failed every attempt; ops can send them again. */
export const webhookDeadLetters = sqliteTable(
  "webhook_dead_letters",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    zoneId: text("zone_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: text("payload", { mode: "json" }).notNull(),
    attempts: integer("attempts").notNull(),
    lastError: text("last_error").notNull(),
    firstAttemptAt: text("first_attempt_at").notNull(),
    failedAt: text("failed_at").notNull(),
  },
  (t) => [index("dead_letters_org").on(t.orgId, t.failedAt)],
);

/** The order service's delivery webhooks (at most 10 per org); read by the zones when they send. */
export const deliveryWebhookSubscriptions = sqliteTable(
  "delivery_webhook_subscriptions",
  {
    id: text("id").primaryKey(),
    orgId: text("org_id").notNull(),
    url: text("url").notNull(),
    secret: text("secret").notNull(),
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    disabledReason: text("disabled_reason"),
    /** Failed sends since the last success, counted by every zone of the org. */
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("delivery_subscriptions_org").on(t.orgId, t.createdAt)],
);

/** Delivery events a subscription's receiver refused every attempt; retryable per subscription. */
export const deliveryWebhookDeadLetters = sqliteTable(
  "delivery_webhook_dead_letters",
  {
    subscriptionId: text("subscription_id").notNull(),
    /** The event's id (the same for every subscription it went to). */
    eventId: text("event_id").notNull(),
    orgId: text("org_id").notNull(),
    zoneId: text("zone_id").notNull(),
    deliveryId: text("delivery_id").notNull(),
    eventType: text("event_type").notNull(),
    payload: text("payload", { mode: "json" }).notNull(),
    attempts: integer("attempts").notNull(),
    lastError: text("last_error").notNull(),
    firstAttemptAt: text("first_attempt_at").notNull(),
    failedAt: text("failed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.subscriptionId, t.eventId] }), index("delivery_dead_letters_sub").on(t.subscriptionId, t.failedAt)],
);

/** seed `delivery_costs`: each delivered delivery's driver pay, written by the zones' outboxes. */
export const deliveryCosts = sqliteTable(
  "delivery_costs",
  {
    deliveryId: text("delivery_id").primaryKey(),
    orgId: text("org_id").notNull(),
    zoneId: text("zone_id").notNull(),
    driverId: text("driver_id").notNull(),
    driverPayment: real("driver_payment").notNull(),
    currency: text("currency").notNull(),
    deliveredAt: text("delivered_at").notNull(),
  },
  (t) => [
    index("delivery_costs_org_time").on(t.orgId, t.deliveredAt),
    index("delivery_costs_org_zone_time").on(t.orgId, t.zoneId, t.deliveredAt),
  ],
);
