/** Zone shapes for tests; plain data, so Node-side (e2e) and workerd-side tests share them. */

/** A square zone polygon around a centre (about 11 km a side at the equator for 0.05°). */
export function squarePolygon(center: { lat: number; lon: number }, half = 0.05) {
  const { lat, lon } = center;
  return {
    type: "Polygon" as const,
    coordinates: [
      [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
      ],
    ],
  };
}
