import { and, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SupportTicketView, SupportTicketsQuery } from "../contracts/escalation";
import { supportTickets } from "../db/d1-schema";

/** Support tickets in D1: the zones create them (OPEN) through their outboxes, ops resolve them here. */

type TicketRow = typeof supportTickets.$inferSelect;

export function ticketView(row: TicketRow): SupportTicketView {
  const { orgId: _org, resolvedAt, resolvedBy, resolution, ...view } = row;
  return {
    ...view,
    ...(resolvedAt ? { resolvedAt } : {}),
    ...(resolvedBy ? { resolvedBy } : {}),
    ...(resolution ? { resolution } : {}),
  };
}

/** The org's tickets matching `query`, newest first. */
export async function listTickets(db: D1Database, orgId: string, { status, zoneId, limit }: SupportTicketsQuery): Promise<TicketRow[]> {
  return drizzle(db)
    .select()
    .from(supportTickets)
    .where(
      and(
        eq(supportTickets.orgId, orgId),
        status === undefined ? undefined : eq(supportTickets.status, status),
        zoneId === undefined ? undefined : eq(supportTickets.zoneId, zoneId),
      ),
    )
    .orderBy(desc(supportTickets.createdAt), desc(supportTickets.id))
    .limit(limit)
    .all();
}

export interface Resolution {
  resolvedBy: string;
  resolvedAt: string;
  resolution: string | null;
}

/**
 * Resolves an OPEN ticket of the org in one conditional UPDATE, so of two concurrent resolves
 * exactly one wins. Answers the resolved ticket, "already_resolved", or null when the org has no
 * such ticket (in D1).
 */
export async function resolveTicket(
  db: D1Database,
  orgId: string,
  id: string,
  resolution: Resolution,
): Promise<TicketRow | "already_resolved" | null> {
  const d1 = drizzle(db);
  const ofOrg = and(eq(supportTickets.orgId, orgId), eq(supportTickets.id, id));
  const [resolved] = await d1
    .update(supportTickets)
    .set({ status: "RESOLVED", ...resolution })
    .where(and(ofOrg, eq(supportTickets.status, "OPEN")))
    .returning();
  if (resolved) return resolved;
  const existing = await d1.select({ id: supportTickets.id }).from(supportTickets).where(ofOrg).get();
  return existing ? "already_resolved" : null;
}
