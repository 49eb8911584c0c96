import { and, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { AuditResponse } from "../contracts/audit";
import { deliveryAuditLogs, driverAvailabilityHistory } from "../db/d1-schema";
import type { AuditEntry, HistoryEntry } from "../domain/model";

/*
 * Reads of what the zone outboxes feed into D1. The zone's unflushed rows are read FIRST and D1
 * second: a row flushed in between is then in the D1 answer, so no acknowledged change can
 * slip between the two reads. Rows in both are the same row (same id) and are counted once.
 */

function mergeById<T extends { id: string }>(...lists: T[][]): T[] {
  return [...new Map(lists.flat().map((row) => [row.id, row])).values()];
}

export async function readAudit(db: D1Database, orgId: string, deliveryId: string, pending: AuditEntry[]): Promise<AuditResponse> {
  const stored = (await drizzle(db)
    .select()
    .from(deliveryAuditLogs)
    .where(and(eq(deliveryAuditLogs.orgId, orgId), eq(deliveryAuditLogs.deliveryId, deliveryId)))
    .all()) as AuditEntry[];
  const events = mergeById(stored, pending).sort((a, b) => a.version - b.version);
  const byEventType: Record<string, number> = {};
  const byActorType: Record<string, number> = {};
  for (const event of events) {
    byEventType[event.eventType] = (byEventType[event.eventType] ?? 0) + 1;
    byActorType[event.actorType] = (byActorType[event.actorType] ?? 0) + 1;
  }
  return {
    deliveryId,
    events: events.map(({ id, timestamp, eventType, actorId, actorType, details, version }) => ({
      id,
      timestamp,
      eventType,
      ...(actorId ? { actorId } : {}),
      actorType,
      details,
      version,
    })),
    summary: { totalEvents: events.length, byEventType, byActorType },
  };
}

/** A driver's availability history, newest first. */
export async function readHistory(db: D1Database, orgId: string, driverId: string, limit: number, pending: HistoryEntry[]) {
  const stored = (await drizzle(db)
    .select()
    .from(driverAvailabilityHistory)
    .where(and(eq(driverAvailabilityHistory.orgId, orgId), eq(driverAvailabilityHistory.driverId, driverId)))
    .orderBy(desc(driverAvailabilityHistory.version))
    .limit(limit)
    .all()) as HistoryEntry[];
  return mergeById(stored, pending)
    .sort((a, b) => b.version - a.version)
    .slice(0, limit)
    .map(({ fromState, toState, reason, actorId, actorType, timestamp }) => ({
      fromState,
      toState,
      reason,
      actorId,
      actorType,
      timestamp,
    }));
}
