import { drizzle } from "drizzle-orm/d1";
import { deliveryAuditLogs, driverAvailabilityHistory, supportTickets, unassignedOrders } from "../db/d1-schema";
import type { OutboxRow } from "./zone-store";

/**
 * Copies outbox rows into D1 in one batch. Ids were fixed when the rows were written; audit and
 * history inserts ignore a row already there (so do tickets: once in D1 only ops change them) and
 * unassigned records are upserts of their whole state, so a batch that half-succeeded or runs
 * twice is harmless.
 */
export async function writeOutboxToD1(d1: D1Database, rows: OutboxRow[]): Promise<void> {
  const db = drizzle(d1);
  const statements = rows.map((row) => {
    switch (row.kind) {
      case "audit":
        return db.insert(deliveryAuditLogs).values(row.payload).onConflictDoNothing();
      case "history":
        return db.insert(driverAvailabilityHistory).values(row.payload).onConflictDoNothing();
      case "ticket":
        return db.insert(supportTickets).values(row.payload).onConflictDoNothing();
      case "unassigned": {
        // The record's latest state; outbox order makes the last write the newest one.
        const { id: _id, ...latest } = row.payload;
        return db.insert(unassignedOrders).values(row.payload).onConflictDoUpdate({ target: unassignedOrders.id, set: latest });
      }
    }
  });
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}
