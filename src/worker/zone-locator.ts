import { pointInPolygon, polygonAreaKm2 } from "../domain/geo";
import type { Coordinates } from "../contracts/common";
import type { ZoneConfig } from "../domain/model";
import { listZones } from "./zone-registry";

/** How long an isolate trusts its copy of an org's zones before reading D1 again. */
const CACHE_TTL_MS = 30_000;

interface Cached {
  zones: { zone: ZoneConfig; areaKm2: number }[];
  loadedAt: number;
}

const cache = new Map<string, Cached>();

async function load(db: D1Database, orgId: string): Promise<Cached> {
  const zones = (await listZones(db, orgId)).map((zone) => ({ zone, areaKm2: polygonAreaKm2(zone.polygon.coordinates) }));
  const entry = { zones, loadedAt: Date.now() };
  cache.set(orgId, entry);
  return entry;
}

/**
 * Where overlapping zones both hold a point, the most specific wins: higher priority (1 is
 * highest), then the smaller area, then the older zone — so every isolate picks the same one.
 */
function pick(entry: Cached, point: Coordinates): ZoneConfig | null {
  const holding = entry.zones.filter(({ zone }) => pointInPolygon(point, zone.polygon.coordinates));
  holding.sort(
    (a, b) =>
      a.zone.priorityLevel - b.zone.priorityLevel ||
      a.areaKm2 - b.areaKm2 ||
      a.zone.createdAt.localeCompare(b.zone.createdAt) ||
      a.zone.id.localeCompare(b.zone.id),
  );
  return holding[0]?.zone ?? null;
}

/**
 * The zone whose polygon holds `point`. Zones are cached per isolate; a miss re-reads D1 once
 * before answering null, so a zone created a moment ago (maybe in another isolate) is found.
 */
export async function zoneForPoint(db: D1Database, orgId: string, point: Coordinates): Promise<ZoneConfig | null> {
  const cached = cache.get(orgId);
  const fresh = cached && Date.now() - cached.loadedAt < CACHE_TTL_MS ? cached : await load(db, orgId);
  return pick(fresh, point) ?? (fresh === cached ? pick(await load(db, orgId), point) : null);
}

/** Drops an org's cached zones after this isolate changed them. */
export function forgetZones(orgId: string): void {
  cache.delete(orgId);
}
