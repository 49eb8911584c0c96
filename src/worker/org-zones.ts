import type { Env } from "./env";
import { type ZoneStub, zoneStub } from "./zone-client";
import { listZones, requireZone } from "./zone-registry";

/*
 * Cross-zone reads of what the zones write into D1 through their outboxes (unassigned records,
 * support tickets): the zones push what they hold first, so the read sees every change they
 * acknowledged before it (docs/api-notes.md "Conventions", read-your-writes).
 */

/** The org's zones a read covers: all of them, or `zoneId` alone (404 when the org has no such zone). */
export async function zoneIdsOf(db: D1Database, orgId: string, zoneId?: string): Promise<string[]> {
  if (zoneId) return [(await requireZone(db, orgId, zoneId)).id];
  return (await listZones(db, orgId)).map((zone) => zone.id);
}

/**
 * Flushes until the outbox is empty or stops shrinking: a flush sends one batch, and one that
 * makes no progress means D1 is failing (the zone then retries on its own schedule).
 */
async function drainOutbox(zone: ZoneStub): Promise<void> {
  let before = Number.POSITIVE_INFINITY;
  let { remaining } = await zone.flushOutbox();
  while (remaining > 0 && remaining < before) {
    before = remaining;
    ({ remaining } = await zone.flushOutbox());
  }
}

/** Has the zones (default: all of the org's) push their pending outboxes to D1, concurrently. */
export async function flushZones(env: Env, orgId: string, zoneIds?: string[]): Promise<void> {
  const ids = zoneIds ?? (await zoneIdsOf(env.DB, orgId));
  await Promise.all(ids.map((id) => drainOutbox(zoneStub(env, orgId, id))));
}

/**
 * A D1 lookup of something a zone writes: when it finds nothing, the row may still wait in a
 * zone's outbox, so the org's zones flush and the lookup runs once more.
 */
export async function lookUpFlushed<T>(env: Env, orgId: string, lookUp: () => Promise<T | null>): Promise<T | null> {
  const found = await lookUp();
  if (found !== null) return found;
  await flushZones(env, orgId);
  return lookUp();
}
