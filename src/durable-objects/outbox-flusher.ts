import { drizzle } from "drizzle-orm/d1";
import { deliveryAuditLogs, driverAvailabilityHistory } from "../db/d1-schema";
import type { OutboxRow } from "./zone-store";

/**
 * Copies outbox rows into D1 in one batch. Ids were fixed when the rows were written, and every
 * insert ignores a row already there, so a batch that half-succeeded or runs twice is harmless.
 */
export async function writeOutboxToD1(d1: D1Database, rows: OutboxRow[]): Promise<void> {
  const db = drizzle(d1);
  const statements = rows.map((row) =>
    row.kind === "audit"
      ? db.insert(deliveryAuditLogs).values(row.payload).onConflictDoNothing()
      : db.insert(driverAvailabilityHistory).values(row.payload).onConflictDoNothing(),
  );
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}
