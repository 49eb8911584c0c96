import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { orgSettings, webhookDeadLetters } from "../db/d1-schema";
import { hmacSha256, toHex } from "../domain/hex";
import type { OpsNotification } from "../domain/model";
import { postSigned } from "./webhook-post";

/*
 * Sending ops notices to the org's webhook (docs/api-notes.md "Escalation and ops"): the JSON body is
 * signed with HMAC-SHA256 under the org's secret, `X-Dispatch-Signature: sha256=<hex>`.
 */

export interface WebhookTarget {
  url: string;
  secret: string;
}

/** The org's webhook, or null when it has none (its notices are then dropped). */
export async function readWebhookTarget(db: D1Database, orgId: string): Promise<WebhookTarget | null> {
  const row = await drizzle(db).select().from(orgSettings).where(eq(orgSettings.orgId, orgId)).get();
  return row?.opsWebhookUrl && row.opsWebhookSecret ? { url: row.opsWebhookUrl, secret: row.opsWebhookSecret } : null;
}

async function signatureOf(secret: string, body: string): Promise<string> {
  return `sha256=${toHex(await hmacSha256(secret, body))}`;
}

/** POSTs one notice; answers null on a 2xx, else why it failed. */
export async function postNotice(target: WebhookTarget, notice: OpsNotification, production: boolean): Promise<string | null> {
  const body = JSON.stringify(notice);
  const headers = {
    "X-Dispatch-Event": notice.type,
    "X-Dispatch-Delivery": notice.id,
    "X-Dispatch-Signature": await signatureOf(target.secret, body),
  };
  return (await postSigned(target.url, body, headers, production)).error;
}

export interface DeadLetter {
  notice: OpsNotification;
  attempts: number;
  lastError: string;
  firstAttemptAt: number;
  failedAt: number;
}

export async function writeDeadLetter(db: D1Database, dead: DeadLetter): Promise<void> {
  const { notice } = dead;
  await drizzle(db)
    .insert(webhookDeadLetters)
    .values({
      id: notice.id,
      orgId: notice.orgId,
      zoneId: notice.zoneId,
      eventType: notice.type,
      payload: notice,
      attempts: dead.attempts,
      lastError: dead.lastError.slice(0, 500),
      firstAttemptAt: new Date(dead.firstAttemptAt).toISOString(),
      failedAt: new Date(dead.failedAt).toISOString(),
    })
    .onConflictDoUpdate({
      target: webhookDeadLetters.id,
      set: { attempts: dead.attempts, lastError: dead.lastError.slice(0, 500), failedAt: new Date(dead.failedAt).toISOString() },
    });
}
