/*
 * The map-free schematic both pages draw: points projected onto an SVG box that fits them, with
 * no tiles. Longitude is scaled by cos(latitude) so a kilometre looks the same either way.
 */

export interface Point {
  lat: number;
  lon: number;
}

interface Projection {
  width: number;
  height: number;
  /** SVG x, y of a point (y grows downwards, north is up). */
  place(point: Point): { x: number; y: number };
}

/** Space kept around the outermost points, in SVG units: room for a label beside each. */
const MARGIN = 40;

/** A projection of `points` into a `width` × `height` box, the same scale on both axes. */
export function projectionFor(points: Point[], width = 320, height = 200): Projection {
  const meanLat = points.length ? points.reduce((sum, p) => sum + p.lat, 0) / points.length : 0;
  const kx = Math.cos((meanLat * Math.PI) / 180);
  const xs = points.map((p) => p.lon * kx);
  const ys = points.map((p) => p.lat);
  const [minX, maxX] = [Math.min(...xs, Infinity), Math.max(...xs, -Infinity)];
  const [minY, maxY] = [Math.min(...ys, Infinity), Math.max(...ys, -Infinity)];
  // A single point (or none) still needs a span: about 500 m.
  const spanX = Math.max(maxX - minX, 0.005);
  const spanY = Math.max(maxY - minY, 0.005);
  const scale = Math.min((width - 2 * MARGIN) / spanX, (height - 2 * MARGIN) / spanY);
  const midX = Number.isFinite(minX) ? (minX + maxX) / 2 : 0;
  const midY = Number.isFinite(minY) ? (minY + maxY) / 2 : 0;
  return {
    width,
    height,
    place: (p) => ({
      x: Math.round((width / 2 + (p.lon * kx - midX) * scale) * 10) / 10,
      y: Math.round((height / 2 - (p.lat - midY) * scale) * 10) / 10,
    }),
  };
}

/** An SVG polyline `points` attribute for a trail. */
export function polylinePoints(projection: Projection, trail: Point[]): string {
  return trail
    .map((p) => projection.place(p))
    .map(({ x, y }) => `${x},${y}`)
    .join(" ");
}
