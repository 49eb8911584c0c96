import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { DeliveryEvent } from "../contracts/delivery-webhooks";
import { deliveryWebhookDeadLetters, deliveryWebhookSubscriptions } from "../db/d1-schema";
import { type FailureCountChange, autoDisableReason } from "../domain/delivery-webhook-policy";
import { timestampedSignature } from "../domain/webhook-signature";
import { type PostResult, postSigned } from "./webhook-post";

/*
 * The D1 side of delivery webhooks as a zone sees it: the org's subscriptions to send to, their
 * failure counts (shared by every zone of the org, so "in a row" spans zones) and the dead
 * letters. Signed `X-Dispatch-Signature: t=<unix s>,v1=<hex>` (domain/webhook-signature.ts).
 */

export interface SubscriptionTarget {
  id: string;
  url: string;
  secret: string;
  events: string[];
  enabled: boolean;
}

export async function readSubscriptionTargets(db: D1Database, orgId: string): Promise<SubscriptionTarget[]> {
  const { id, url, secret, events, enabled } = deliveryWebhookSubscriptions;
  return drizzle(db).select({ id, url, secret, events, enabled }).from(deliveryWebhookSubscriptions).where(eq(deliveryWebhookSubscriptions.orgId, orgId)).all();
}

/** POSTs one event (or a test event) signed for this moment: a retry is signed afresh, with the same id. */
export async function postEvent(
  target: Pick<SubscriptionTarget, "url" | "secret">,
  event: { id: string; type: string },
  production: boolean,
  now: number,
): Promise<PostResult> {
  const body = JSON.stringify(event);
  const headers = {
    "X-Dispatch-Event": event.type,
    "X-Dispatch-Delivery": event.id,
    "X-Dispatch-Signature": await timestampedSignature(target.secret, Math.floor(now / 1000), body),
  };
  return postSigned(target.url, body, headers, production);
}

const RESET_FAILURES = "UPDATE delivery_webhook_subscriptions SET consecutive_failures = 0 WHERE id = ? AND consecutive_failures > 0";
/** One statement, so zones counting at once never lose a failure; disables once the count reaches the limit. */
const ADD_FAILURES =
  "UPDATE delivery_webhook_subscriptions SET " +
  "enabled = CASE WHEN enabled = 1 AND (CASE WHEN ?1 THEN 0 ELSE consecutive_failures END) + ?2 >= ?3 THEN 0 ELSE enabled END, " +
  "disabled_reason = CASE WHEN enabled = 1 AND (CASE WHEN ?1 THEN 0 ELSE consecutive_failures END) + ?2 >= ?3 THEN ?4 ELSE disabled_reason END, " +
  "consecutive_failures = (CASE WHEN ?1 THEN 0 ELSE consecutive_failures END) + ?2 WHERE id = ?5";

/** Applies a run's outcomes to the subscriptions' failure counts (domain/delivery-webhook-policy.ts). */
export async function recordFailureCounts(db: D1Database, changes: FailureCountChange[], limit: number): Promise<void> {
  const statements = changes.map((c) =>
    c.failures === 0
      ? db.prepare(RESET_FAILURES).bind(c.subscriptionId)
      : db.prepare(ADD_FAILURES).bind(c.reset ? 1 : 0, c.failures, limit, autoDisableReason(limit, c.lastError ?? "unknown"), c.subscriptionId),
  );
  if (statements.length > 0) await db.batch(statements);
}

export interface DeliveryDeadLetter {
  orgId: string;
  subscriptionId: string;
  event: DeliveryEvent;
  attempts: number;
  lastError: string;
  firstAttemptAt: number;
  failedAt: number;
}

export async function writeDeliveryDeadLetter(db: D1Database, dead: DeliveryDeadLetter): Promise<void> {
  const lastError = dead.lastError.slice(0, 500);
  const failedAt = new Date(dead.failedAt).toISOString();
  await drizzle(db)
    .insert(deliveryWebhookDeadLetters)
    .values({
      subscriptionId: dead.subscriptionId,
      eventId: dead.event.id,
      orgId: dead.orgId,
      zoneId: dead.event.data.zoneId,
      deliveryId: dead.event.data.deliveryId,
      eventType: dead.event.type,
      payload: dead.event,
      attempts: dead.attempts,
      lastError,
      firstAttemptAt: new Date(dead.firstAttemptAt).toISOString(),
      failedAt,
    })
    .onConflictDoUpdate({
      target: [deliveryWebhookDeadLetters.subscriptionId, deliveryWebhookDeadLetters.eventId],
      set: { attempts: dead.attempts, lastError, failedAt },
    });
}
