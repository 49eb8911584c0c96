/**
 * Distances and zone geometry. Positions follow GeoJSON: `[lon, lat]` in degrees, first ring
 * the outer boundary, further rings holes. Containment is decided on the flat lon/lat plane,
 * which is what GeoJSON edges mean for city-sized zones; zones crossing the antimeridian are
 * not supported.
 */

export interface LatLon {
  lat: number;
  lon: number;
}
type Position = number[];
export type PolygonCoordinates = Position[][];

export interface PolygonProblem {
  /** Relative to `coordinates`: `[ring]` or `[ring, position]`. */
  path: (string | number)[];
  message: string;
}

export interface BoundingBox {
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
}

/** IUGG mean Earth radius R1, the usual sphere for great-circle distances. */
const EARTH_RADIUS_KM = 6371.0088;

/** Closer than this (in degrees, about 0.1 µm) to an edge counts as on it, despite rounding. */
const BOUNDARY_TOLERANCE_DEG = 1e-12;

/** Vertices bending the line by less than this sine are treated as collinear. */
const COLLINEAR_SINE = 1e-12;

export const toRadians = (degrees: number) => (degrees * Math.PI) / 180;

/** Reads a validated position; NaN for a missing value makes every later comparison fail. */
const lonLat = (position: Position): [lon: number, lat: number] => [
  position[0] ?? Number.NaN,
  position[1] ?? Number.NaN,
];

/** Great-circle distance on a sphere of radius 6371.0088 km. */
export function haversineKm(a: LatLon, b: LatLon): number {
  const dLat = toRadians(b.lat - a.lat);
  const dLon = toRadians(b.lon - a.lon);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(a.lat)) * Math.cos(toRadians(b.lat)) * Math.sin(dLon / 2) ** 2;
  // Rounding can push h just above 1 for antipodal points, where asin would give NaN.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(Math.min(1, h)));
}

/** Everything wrong with a polygon's rings; empty when it is a usable zone boundary. */
export function polygonProblems(coordinates: PolygonCoordinates): PolygonProblem[] {
  if (coordinates.length === 0) {
    return [{ path: [], message: "Polygon must have at least one ring" }];
  }
  return coordinates.flatMap(ringProblems);
}

function ringProblems(ring: Position[], ringIndex: number): PolygonProblem[] {
  const problems: PolygonProblem[] = [];
  if (ring.length < 4) {
    problems.push({
      path: [ringIndex],
      message: "Ring must have at least 4 positions (a closed triangle)",
    });
  }
  ring.forEach((position, positionIndex) => {
    const message = positionProblem(position);
    if (message) problems.push({ path: [ringIndex, positionIndex], message });
  });
  // Closure and area mean nothing until every position is a valid [lon, lat].
  if (problems.some((problem) => problem.path.length === 2) || ring.length === 0) {
    return problems;
  }
  if (!isClosed(ring)) {
    problems.push({
      path: [ringIndex],
      message: "Ring must be closed (its last position must equal its first)",
    });
  } else if (ring.length >= 4 && isCollinear(ring)) {
    problems.push({
      path: [ringIndex],
      message: "Ring must enclose an area (its positions are all on one line)",
    });
  }
  return problems;
}

function positionProblem(position: Position): string | undefined {
  if (position.length !== 2) return "Position must be [lon, lat]";
  const [lon, lat] = lonLat(position);
  if (!Number.isFinite(lon) || !Number.isFinite(lat)) return "Position must be finite numbers";
  if (lon < -180 || lon > 180) return "Longitude must be between -180 and 180";
  if (lat < -90 || lat > 90) return "Latitude must be between -90 and 90";
  return undefined;
}

function isClosed(ring: Position[]): boolean {
  const [firstLon, firstLat] = lonLat(ring[0] ?? []);
  const [lastLon, lastLat] = lonLat(ring[ring.length - 1] ?? []);
  return firstLon === lastLon && firstLat === lastLat;
}

function isCollinear(ring: Position[]): boolean {
  const [x0, y0] = lonLat(ring[0] ?? []);
  const offsets = ring.map((position) => {
    const [x, y] = lonLat(position);
    return [x - x0, y - y0] as const;
  });
  // Any vertex off the line through the first vertex and another distinct one gives an area.
  const direction = offsets.find(([dx, dy]) => dx !== 0 || dy !== 0);
  if (!direction) return true;
  const [dx, dy] = direction;
  return offsets.every(
    ([ex, ey]) =>
      Math.abs(dx * ey - dy * ex) <= COLLINEAR_SINE * Math.hypot(dx, dy) * Math.hypot(ex, ey),
  );
}

/**
 * Whether `point` lies in the polygon (even-odd rule over the outer ring, minus the holes).
 * The polygon is a closed set: a point on any edge, of the outer ring or of a hole, is inside,
 * so a pickup exactly on a zone border still finds that zone.
 */
export function pointInPolygon(point: LatLon, coordinates: PolygonCoordinates): boolean {
  const [outer, ...holes] = coordinates;
  if (!outer) return false;
  if (isOnRing(point, outer)) return true;
  if (!isInsideRing(point, outer)) return false;
  return holes.every((hole) => isOnRing(point, hole) || !isInsideRing(point, hole));
}

/** Even-odd ray cast towards +lon; exact on edges is handled by isOnRing beforehand. */
function isInsideRing(point: LatLon, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0; i < ring.length - 1; i++) {
    const [lon1, lat1] = lonLat(ring[i] ?? []);
    const [lon2, lat2] = lonLat(ring[i + 1] ?? []);
    // Half-open in lat so a ray through a vertex counts the two edges meeting there once.
    if (lat1 > point.lat !== lat2 > point.lat) {
      const crossingLon = lon1 + ((point.lat - lat1) * (lon2 - lon1)) / (lat2 - lat1);
      if (point.lon < crossingLon) inside = !inside;
    }
  }
  return inside;
}

function isOnRing(point: LatLon, ring: Position[]): boolean {
  for (let i = 0; i < ring.length - 1; i++) {
    const distance = distanceToSegmentDeg(point, lonLat(ring[i] ?? []), lonLat(ring[i + 1] ?? []));
    if (distance <= BOUNDARY_TOLERANCE_DEG) return true;
  }
  return false;
}

function distanceToSegmentDeg(
  point: LatLon,
  [lon1, lat1]: [number, number],
  [lon2, lat2]: [number, number],
): number {
  const dLon = lon2 - lon1;
  const dLat = lat2 - lat1;
  const lengthSquared = dLon * dLon + dLat * dLat;
  const projection = ((point.lon - lon1) * dLon + (point.lat - lat1) * dLat) / lengthSquared;
  // Where the perpendicular from the point lands, clamped to the segment's ends; a
  // zero-length segment (a repeated vertex) is just its start.
  const along = lengthSquared === 0 ? 0 : Math.min(1, Math.max(0, projection));
  return Math.hypot(point.lon - (lon1 + along * dLon), point.lat - (lat1 + along * dLat));
}

/**
 * Approximate area on the sphere, outer ring minus holes. Good enough to pick the smallest of
 * overlapping zones; exact for lat/lon-aligned rectangles.
 */
export function polygonAreaKm2(coordinates: PolygonCoordinates): number {
  const [outer, ...holes] = coordinates;
  if (!outer) return 0;
  const holesArea = holes.reduce((sum, hole) => sum + ringAreaKm2(hole), 0);
  return Math.max(0, ringAreaKm2(outer) - holesArea);
}

/** Chamberlain & Duquette (2007), "Some algorithms for polygons on a sphere". */
function ringAreaKm2(ring: Position[]): number {
  let sum = 0;
  for (let i = 0; i < ring.length - 1; i++) {
    const [lon1, lat1] = lonLat(ring[i] ?? []);
    const [lon2, lat2] = lonLat(ring[i + 1] ?? []);
    sum += toRadians(lon2 - lon1) * (2 + Math.sin(toRadians(lat1)) + Math.sin(toRadians(lat2)));
  }
  return (Math.abs(sum) * EARTH_RADIUS_KM * EARTH_RADIUS_KM) / 2;
}

/** The outer ring's extent (holes lie inside it), for a cheap pre-filter before pointInPolygon. */
export function boundingBox(coordinates: PolygonCoordinates): BoundingBox {
  const outer = coordinates[0];
  if (!outer || outer.length === 0) {
    throw new RangeError("A polygon without an outer ring has no extent");
  }
  const box = { minLat: Infinity, maxLat: -Infinity, minLon: Infinity, maxLon: -Infinity };
  for (const position of outer) {
    const [lon, lat] = lonLat(position);
    box.minLat = Math.min(box.minLat, lat);
    box.maxLat = Math.max(box.maxLat, lat);
    box.minLon = Math.min(box.minLon, lon);
    box.maxLon = Math.max(box.maxLon, lon);
  }
  return box;
}
