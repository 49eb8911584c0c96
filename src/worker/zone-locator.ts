import type { Coordinates } from "../contracts/common";
import type { ZoneConfig } from "../domain/model";
import { type SizedZone, sizedZone, zoneHoldingPoint } from "../domain/zone-choice";
import { LruMap } from "../domain/lru-map";
import { listZones } from "./zone-registry";

/** How long an isolate trusts its copy of an org's zones before reading D1 again. */
const CACHE_TTL_MS = 30_000;

interface Cached {
  zones: SizedZone[];
  loadedAt: number;
}

/** At most this many orgs' zones per isolate (a miss only costs one D1 read). */
const ORGS_CACHED = 1_000;

const cache = new LruMap<string, Cached>(ORGS_CACHED);

async function load(db: D1Database, orgId: string): Promise<Cached> {
  const zones = (await listZones(db, orgId)).map(sizedZone);
  const entry = { zones, loadedAt: Date.now() };
  cache.set(orgId, entry);
  return entry;
}

/**
 * The zone whose polygon holds `point`. Zones are cached per isolate; a miss re-reads D1 once
 * before answering null, so a zone created a moment ago (maybe in another isolate) is found.
 */
export async function zoneForPoint(db: D1Database, orgId: string, point: Coordinates): Promise<ZoneConfig | null> {
  const cached = cache.get(orgId);
  const fresh = cached && Date.now() - cached.loadedAt < CACHE_TTL_MS ? cached : await load(db, orgId);
  const found = zoneHoldingPoint(fresh.zones, point);
  if (found || fresh !== cached) return found;
  return zoneHoldingPoint((await load(db, orgId)).zones, point);
}

/** Drops an org's cached zones after this isolate changed them. */
export function forgetZones(orgId: string): void {
  cache.delete(orgId);
}
