// Great-circle geometry on a sphere (the service's own model: src/domain/geo.ts uses haversine too)
// and random points inside a zone's GeoJSON polygon. Points are { lat, lon } in degrees.

const EARTH_RADIUS_KM = 6371.0088;
const rad = (deg) => (deg * Math.PI) / 180;
const deg = (r) => (r * 180) / Math.PI;

/** Great-circle distance in km. */
export function distanceKm(a, b) {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from a to b, degrees clockwise from north, in [0, 360). */
export function bearingDeg(a, b) {
  const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat));
  const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) - Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon));
  return (deg(Math.atan2(y, x)) + 360) % 360;
}

/** The point a fraction `f` (0…1) of the way from a to b along the great circle (slerp). */
export function intermediate(a, b, f) {
  const delta = distanceKm(a, b) / EARTH_RADIUS_KM;
  if (delta < 1e-12) return { lat: a.lat, lon: a.lon };
  const s = Math.sin(delta);
  const wa = Math.sin((1 - f) * delta) / s;
  const wb = Math.sin(f * delta) / s;
  const [la, lb, oa, ob] = [rad(a.lat), rad(b.lat), rad(a.lon), rad(b.lon)];
  const x = wa * Math.cos(la) * Math.cos(oa) + wb * Math.cos(lb) * Math.cos(ob);
  const y = wa * Math.cos(la) * Math.sin(oa) + wb * Math.cos(lb) * Math.sin(ob);
  const z = wa * Math.sin(la) + wb * Math.sin(lb);
  return { lat: deg(Math.atan2(z, Math.hypot(x, y))), lon: deg(Math.atan2(y, x)) };
}

/** Ray casting on one ring of [lon, lat] pairs; a point on the edge may fall either way. */
function inRing(point, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > point.lat !== yj > point.lat && point.lon < ((xj - xi) * (point.lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Inside the outer ring and outside every hole of a GeoJSON Polygon. */
export function inPolygon(point, polygon) {
  const [outer, ...holes] = polygon.coordinates;
  return inRing(point, outer) && !holes.some((hole) => inRing(point, hole));
}

/** Bounding box of the outer ring. */
export function bbox(polygon) {
  const ring = polygon.coordinates[0];
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  return { minLon: Math.min(...lons), maxLon: Math.max(...lons), minLat: Math.min(...lats), maxLat: Math.max(...lats) };
}

/**
 * A uniformly random point strictly inside the polygon (rejection sampling in its bounding box,
 * kept a small margin off the edges), optionally within `maxKm` of `near`. Null if none is found.
 */
export function randomPointIn(polygon, random, { near, maxKm } = {}) {
  const box = bbox(polygon);
  const margin = 0.02; // of the box: never on the boundary, where "inside" is ambiguous
  const w = box.maxLon - box.minLon;
  const h = box.maxLat - box.minLat;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    let point;
    if (near && maxKm !== undefined && attempt % 2 === 0) {
      // Half the draws from a disc around `near`, so a small trip in a big zone is found quickly.
      const r = maxKm * Math.sqrt(random());
      const theta = 2 * Math.PI * random();
      point = {
        lat: near.lat + (r / 111.32) * Math.cos(theta),
        lon: near.lon + (r / (111.32 * Math.cos(rad(near.lat)))) * Math.sin(theta),
      };
    } else {
      point = {
        lat: box.minLat + h * (margin + (1 - 2 * margin) * random()),
        lon: box.minLon + w * (margin + (1 - 2 * margin) * random()),
      };
    }
    if (!inPolygon(point, polygon)) continue;
    if (near && maxKm !== undefined && distanceKm(near, point) > maxKm) continue;
    return { lat: round6(point.lat), lon: round6(point.lon) };
  }
  return null;
}

export const round6 = (x) => Math.round(x * 1e6) / 1e6;

/** Longest distance across the polygon's bounding box (an upper bound of any trip inside it). */
export function diagonalKm(polygon) {
  const box = bbox(polygon);
  return distanceKm({ lat: box.minLat, lon: box.minLon }, { lat: box.maxLat, lon: box.maxLon });
}
