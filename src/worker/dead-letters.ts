import { and, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { DeadLetterView } from "../contracts/ops-settings";
import { webhookDeadLetters } from "../db/d1-schema";
import type { OpsNotification } from "../domain/model";

/** Ops notices the webhook refused every attempt (written to D1 by the zones' senders). */

type DeadLetterRow = typeof webhookDeadLetters.$inferSelect;

export function deadLetterView({ orgId: _org, payload, ...row }: DeadLetterRow): DeadLetterView {
  return { ...row, payload: payload as DeadLetterView["payload"] };
}

/** The org's dead letters, newest failure first. */
export async function listDeadLetters(db: D1Database, orgId: string, limit: number): Promise<DeadLetterRow[]> {
  return drizzle(db)
    .select()
    .from(webhookDeadLetters)
    .where(eq(webhookDeadLetters.orgId, orgId))
    .orderBy(desc(webhookDeadLetters.failedAt), desc(webhookDeadLetters.id))
    .limit(limit)
    .all();
}

export async function findDeadLetter(db: D1Database, orgId: string, id: string) {
  const row = await drizzle(db)
    .select()
    .from(webhookDeadLetters)
    .where(and(eq(webhookDeadLetters.orgId, orgId), eq(webhookDeadLetters.id, id)))
    .get();
  // The payload column holds the notice exactly as the zone queued it.
  return row ? { ...row, notice: row.payload as OpsNotification } : null;
}

/**
 * Deletes the dead letter as it was read: if the requeued notice failed again meanwhile, its
 * new dead letter (same id, later failedAt) stays.
 */
export async function forgetDeadLetter(db: D1Database, orgId: string, row: Pick<DeadLetterRow, "id" | "failedAt">): Promise<void> {
  await drizzle(db)
    .delete(webhookDeadLetters)
    .where(
      and(eq(webhookDeadLetters.orgId, orgId), eq(webhookDeadLetters.id, row.id), eq(webhookDeadLetters.failedAt, row.failedAt)),
    );
}
