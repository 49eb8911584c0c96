import { type LatLon, haversineKm, toRadians } from "./geo";

/** Cell edge in degrees of latitude (~550 m, one distance band): the nearest-first search reads few drivers. */
const CELL_DEG = 0.005;
const KM_PER_DEG_LAT = 111.32;

/**
 * A uniform grid over lat/lon holding the points (drivers) that matching may pick. A radius
 * query reads only the cells overlapping the circle's bounding box and then checks the exact
 * great-circle distance, so its cost follows the drivers near the pickup, not the zone's size.
 */
export class SpatialIndex {
  private readonly cells = new Map<string, Map<string, LatLon>>();
  private readonly cellOf = new Map<string, string>();

  get size(): number {
    return this.cellOf.size;
  }

  has(id: string): boolean {
    return this.cellOf.has(id);
  }

  upsert(id: string, at: LatLon): void {
    const key = cellKey(Math.floor(at.lat / CELL_DEG), Math.floor(at.lon / lonCellDeg(at.lat)));
    const previous = this.cellOf.get(id);
    if (previous !== undefined && previous !== key) this.cells.get(previous)?.delete(id);
    let cell = this.cells.get(key);
    if (!cell) this.cells.set(key, (cell = new Map()));
    cell.set(id, at);
    this.cellOf.set(id, key);
  }

  remove(id: string): void {
    const key = this.cellOf.get(id);
    if (key === undefined) return;
    const cell = this.cells.get(key);
    cell?.delete(id);
    if (cell?.size === 0) this.cells.delete(key);
    this.cellOf.delete(id);
  }

  /** Every point within `radiusKm` of `center` with its distance (unordered). */
  within(center: LatLon, radiusKm: number): { id: string; distanceKm: number }[] {
    const found: { id: string; distanceKm: number }[] = [];
    const dLat = radiusKm / KM_PER_DEG_LAT;
    const latLo = Math.floor((center.lat - dLat) / CELL_DEG);
    const latHi = Math.floor((center.lat + dLat) / CELL_DEG);
    for (let row = latLo; row <= latHi; row++) {
      // Longitude cells are narrower away from the equator; size them by the row's latitude.
      const rowLat = Math.max(-89.9, Math.min(89.9, (row + 0.5) * CELL_DEG));
      const width = lonCellDeg(rowLat);
      const dLon = radiusKm / (KM_PER_DEG_LAT * Math.max(0.01, Math.cos(toRadians(Math.abs(rowLat) + CELL_DEG))));
      const lonLo = Math.floor((center.lon - dLon) / width);
      const lonHi = Math.floor((center.lon + dLon) / width);
      for (let col = lonLo; col <= lonHi; col++) {
        const cell = this.cells.get(cellKey(row, col));
        if (!cell) continue;
        for (const [id, at] of cell) {
          const distanceKm = haversineKm(center, at);
          if (distanceKm <= radiusKm) found.push({ id, distanceKm });
        }
      }
    }
    return found;
  }
}

const cellKey = (row: number, col: number) => `${row}:${col}`;

/** Longitude width of a cell in the row containing `lat`, so cells stay roughly square. */
function lonCellDeg(lat: number): number {
  const row = Math.floor(lat / CELL_DEG);
  const rowLat = Math.max(-89.9, Math.min(89.9, (row + 0.5) * CELL_DEG));
  return CELL_DEG / Math.max(0.01, Math.cos(toRadians(rowLat)));
}
