import { type SQL, and, desc, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Coordinates } from "../contracts/common";
import {
  type EscalationStatus,
  FailureReason,
  type UnassignedOrderView,
  type UnassignedOrdersQuery,
  type UnassignedOrdersResponse,
} from "../contracts/escalation";
import { unassignedOrders } from "../db/d1-schema";
import { zeroCounts } from "../domain/counts";
import { LEVEL_KEYS } from "../domain/escalation-ladder";

/** The org's unassigned records in D1 (written by the zones' outboxes; flush the zones first). */

type Filters = Omit<UnassignedOrdersQuery, "limit">;

function matching(orgId: string, { zoneId, escalationLevel, status }: Filters): SQL | undefined {
  return and(
    eq(unassignedOrders.orgId, orgId),
    zoneId === undefined ? undefined : eq(unassignedOrders.zoneId, zoneId),
    escalationLevel === undefined ? undefined : eq(unassignedOrders.escalationLevel, escalationLevel),
    status === undefined ? undefined : eq(unassignedOrders.escalationStatus, status),
  );
}

function unassignedView(row: typeof unassignedOrders.$inferSelect): UnassignedOrderView {
  return {
    id: row.id,
    deliveryId: row.deliveryId,
    sellerOrderId: row.sellerOrderId,
    // JSON columns come back untyped; the zones wrote these values from typed records.
    location: row.location as Coordinates,
    failureReason: row.failureReason,
    firstAttemptAt: row.firstAttemptAt,
    lastAttemptAt: row.lastAttemptAt,
    attemptCount: row.attemptCount,
    escalationLevel: row.escalationLevel,
    escalationStatus: row.escalationStatus as EscalationStatus,
    ...(row.supportTicketId ? { supportTicketId: row.supportTicketId } : {}),
  };
}

/** Counts of every matching record, not just the page; every level and reason has a key, zeros too. */
function summarize(groups: { level: number; reason: string; count: number }[]): UnassignedOrdersResponse["summary"] {
  const byEscalationLevel = zeroCounts(LEVEL_KEYS);
  const byFailureReason: Record<string, number> = zeroCounts(FailureReason.options);
  let total = 0;
  for (const { level, reason, count } of groups) {
    total += count;
    byEscalationLevel[level] = (byEscalationLevel[level] ?? 0) + count;
    byFailureReason[reason] = (byFailureReason[reason] ?? 0) + count;
  }
  return { total, byEscalationLevel, byFailureReason };
}

/** A page of the records matching `query`, newest first attempt first, and the summary of all of them. */
export async function listUnassigned(db: D1Database, orgId: string, query: UnassignedOrdersQuery): Promise<UnassignedOrdersResponse> {
  const d1 = drizzle(db);
  const where = matching(orgId, query);
  const [rows, groups] = await d1.batch([
    d1
      .select()
      .from(unassignedOrders)
      .where(where)
      .orderBy(desc(unassignedOrders.firstAttemptAt), desc(unassignedOrders.id))
      .limit(query.limit),
    d1
      .select({ level: unassignedOrders.escalationLevel, reason: unassignedOrders.failureReason, count: sql<number>`count(*)` })
      .from(unassignedOrders)
      .where(where)
      .groupBy(unassignedOrders.escalationLevel, unassignedOrders.failureReason),
  ]);
  return { orders: rows.map(unassignedView), summary: summarize(groups) };
}

/** Where the org's record `id` lives, or null when D1 has no such record of the org. */
export async function findUnassigned(db: D1Database, orgId: string, id: string) {
  const row = await drizzle(db)
    .select({ zoneId: unassignedOrders.zoneId, deliveryId: unassignedOrders.deliveryId })
    .from(unassignedOrders)
    .where(and(eq(unassignedOrders.orgId, orgId), eq(unassignedOrders.id, id)))
    .get();
  return row ?? null;
}
