import { and, asc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { GeoJsonPolygon } from "../contracts/geojson";
import { type ZoneSettings, mergeZoneSettings } from "../contracts/zones";
import { zones } from "../db/d1-schema";
import type { ZoneConfig } from "../domain/model";
import { notFound } from "./http-error";

/** The D1 zones registry: what the Worker lists and searches without waking zone objects. */
function toConfig(row: typeof zones.$inferSelect): ZoneConfig {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    polygon: row.polygon as GeoJsonPolygon,
    priorityLevel: row.priorityLevel,
    minDriversOnline: row.minDriversOnline,
    targetWaitTimeSeconds: row.targetWaitTimeSeconds,
    timezone: row.timezone,
    settings: mergeZoneSettings(row.settings as Partial<ZoneSettings>),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export async function listZones(db: D1Database, orgId: string): Promise<ZoneConfig[]> {
  const rows = await drizzle(db).select().from(zones).where(eq(zones.orgId, orgId)).orderBy(asc(zones.createdAt)).all();
  return rows.map(toConfig);
}

async function findZone(db: D1Database, orgId: string, zoneId: string): Promise<ZoneConfig | null> {
  const row = await drizzle(db)
    .select()
    .from(zones)
    .where(and(eq(zones.orgId, orgId), eq(zones.id, zoneId)))
    .get();
  return row ? toConfig(row) : null;
}

export async function requireZone(db: D1Database, orgId: string, zoneId: string): Promise<ZoneConfig> {
  const zone = await findZone(db, orgId, zoneId);
  if (!zone) throw notFound("Zone not found");
  return zone;
}

export async function saveZone(db: D1Database, zone: ZoneConfig): Promise<void> {
  await drizzle(db)
    .insert(zones)
    .values(zone)
    .onConflictDoUpdate({ target: zones.id, set: { settings: zone.settings, updatedAt: zone.updatedAt } });
}
