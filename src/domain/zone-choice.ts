import { type LatLon, pointInPolygon, polygonAreaKm2 } from "./geo";
import type { ZoneConfig } from "./model";

/** A zone with its area, worked out once when the zones are loaded. */
export interface SizedZone {
  zone: ZoneConfig;
  areaKm2: number;
}

export function sizedZone(zone: ZoneConfig): SizedZone {
  return { zone, areaKm2: polygonAreaKm2(zone.polygon.coordinates) };
}

/**
 * The zone holding `point`. Where overlapping zones both hold it, the most specific wins: higher
 * priority (1 is highest), then the smaller area, then the older zone, then the id — so every
 * isolate picks the same one.
 */
export function zoneHoldingPoint(zones: readonly SizedZone[], point: LatLon): ZoneConfig | null {
  const holding = zones.filter(({ zone }) => pointInPolygon(point, zone.polygon.coordinates));
  holding.sort(
    (a, b) =>
      a.zone.priorityLevel - b.zone.priorityLevel ||
      a.areaKm2 - b.areaKm2 ||
      a.zone.createdAt.localeCompare(b.zone.createdAt) ||
      a.zone.id.localeCompare(b.zone.id),
  );
  return holding[0]?.zone ?? null;
}
