import { and, asc, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { DeliveryEvent, SubscriptionCreate, SubscriptionDeadLetterView, SubscriptionPatch, SubscriptionView } from "../contracts/delivery-webhooks";
import { deliveryWebhookDeadLetters, deliveryWebhookSubscriptions } from "../db/d1-schema";
import { MAX_SUBSCRIPTIONS_PER_ORG } from "../domain/delivery-webhook-policy";

/** An org's delivery webhook subscriptions and their dead letters in D1 (admin routes). */

type SubscriptionRow = typeof deliveryWebhookSubscriptions.$inferSelect;
type DeadLetterRow = typeof deliveryWebhookDeadLetters.$inferSelect;

export function subscriptionView({ orgId: _org, secret: _secret, ...row }: SubscriptionRow): SubscriptionView {
  return { ...row, events: row.events as SubscriptionView["events"], secretSet: true };
}

export async function listSubscriptions(db: D1Database, orgId: string): Promise<SubscriptionRow[]> {
  return drizzle(db)
    .select()
    .from(deliveryWebhookSubscriptions)
    .where(eq(deliveryWebhookSubscriptions.orgId, orgId))
    .orderBy(asc(deliveryWebhookSubscriptions.createdAt), asc(deliveryWebhookSubscriptions.id))
    .all();
}

export async function findSubscription(db: D1Database, orgId: string, id: string): Promise<SubscriptionRow | null> {
  const row = await drizzle(db)
    .select()
    .from(deliveryWebhookSubscriptions)
    .where(and(eq(deliveryWebhookSubscriptions.orgId, orgId), eq(deliveryWebhookSubscriptions.id, id)))
    .get();
  return row ?? null;
}

/**
 * Inserts the subscription unless the org already has the maximum: the count and the insert are
 * one statement, so two concurrent creates cannot both take the last place. Answers null when full.
 */
export async function createSubscription(db: D1Database, orgId: string, input: SubscriptionCreate, now: string): Promise<SubscriptionRow | null> {
  const row: SubscriptionRow = {
    id: crypto.randomUUID(),
    orgId,
    url: input.url,
    secret: input.secret,
    events: input.events,
    enabled: input.enabled,
    disabledReason: null,
    consecutiveFailures: 0,
    createdAt: now,
    updatedAt: now,
  };
  const result = await db
    .prepare(
      "INSERT INTO delivery_webhook_subscriptions (id, org_id, url, secret, events, enabled, disabled_reason, consecutive_failures, created_at, updated_at) " +
        "SELECT ?, ?, ?, ?, ?, ?, NULL, 0, ?, ? WHERE (SELECT count(*) FROM delivery_webhook_subscriptions WHERE org_id = ?) < ?",
    )
    .bind(row.id, orgId, row.url, row.secret, JSON.stringify(row.events), row.enabled ? 1 : 0, now, now, orgId, MAX_SUBSCRIPTIONS_PER_ORG)
    .run();
  return result.meta.changes === 1 ? row : null;
}

/** Applies a patch; enabling (again) clears an automatic disable and its failure count. */
export async function updateSubscription(db: D1Database, row: SubscriptionRow, patch: SubscriptionPatch, now: string): Promise<SubscriptionRow> {
  const reenabled = patch.enabled === true ? { disabledReason: null, consecutiveFailures: 0 } : {};
  const set = { ...patch, ...reenabled, updatedAt: now };
  await drizzle(db)
    .update(deliveryWebhookSubscriptions)
    .set(set)
    .where(and(eq(deliveryWebhookSubscriptions.orgId, row.orgId), eq(deliveryWebhookSubscriptions.id, row.id)));
  return { ...row, ...set };
}

/** Deletes the subscription and its dead letters (its queued sends are dropped by the zones). */
export async function deleteSubscription(db: D1Database, orgId: string, id: string): Promise<boolean> {
  const d = drizzle(db);
  const [deleted] = await d.batch([
    d.delete(deliveryWebhookSubscriptions).where(and(eq(deliveryWebhookSubscriptions.orgId, orgId), eq(deliveryWebhookSubscriptions.id, id))),
    d.delete(deliveryWebhookDeadLetters).where(and(eq(deliveryWebhookDeadLetters.orgId, orgId), eq(deliveryWebhookDeadLetters.subscriptionId, id))),
  ]);
  return deleted.meta.changes === 1;
}

export function subscriptionDeadLetterView(row: DeadLetterRow): SubscriptionDeadLetterView {
  const payload = row.payload as DeliveryEvent;
  return {
    id: row.eventId,
    eventType: payload.type,
    deliveryId: row.deliveryId,
    zoneId: row.zoneId,
    payload,
    attempts: row.attempts,
    lastError: row.lastError,
    firstAttemptAt: row.firstAttemptAt,
    failedAt: row.failedAt,
  };
}

/** A subscription's dead letters, newest failure first. */
export async function listSubscriptionDeadLetters(db: D1Database, orgId: string, subscriptionId: string, limit: number): Promise<DeadLetterRow[]> {
  return drizzle(db)
    .select()
    .from(deliveryWebhookDeadLetters)
    .where(and(eq(deliveryWebhookDeadLetters.orgId, orgId), eq(deliveryWebhookDeadLetters.subscriptionId, subscriptionId)))
    .orderBy(desc(deliveryWebhookDeadLetters.failedAt), desc(deliveryWebhookDeadLetters.eventId))
    .limit(limit)
    .all();
}

export async function findSubscriptionDeadLetter(db: D1Database, orgId: string, subscriptionId: string, eventId: string): Promise<DeadLetterRow | null> {
  const row = await drizzle(db)
    .select()
    .from(deliveryWebhookDeadLetters)
    .where(
      and(
        eq(deliveryWebhookDeadLetters.orgId, orgId),
        eq(deliveryWebhookDeadLetters.subscriptionId, subscriptionId),
        eq(deliveryWebhookDeadLetters.eventId, eventId),
      ),
    )
    .get();
  return row ?? null;
}

/** Deletes the dead letter as it was read: one written again meanwhile (a later failedAt) stays. */
export async function forgetSubscriptionDeadLetter(db: D1Database, row: DeadLetterRow): Promise<void> {
  await drizzle(db)
    .delete(deliveryWebhookDeadLetters)
    .where(
      and(
        eq(deliveryWebhookDeadLetters.orgId, row.orgId),
        eq(deliveryWebhookDeadLetters.subscriptionId, row.subscriptionId),
        eq(deliveryWebhookDeadLetters.eventId, row.eventId),
        eq(deliveryWebhookDeadLetters.failedAt, row.failedAt),
      ),
    );
}
