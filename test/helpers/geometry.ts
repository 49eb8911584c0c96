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

/** A deterministic pseudo-random offset in [-0.5, 0.5) for item `i` (`salt` picks the sequence): spreads test positions. */
export const spread = (i: number, salt: number) => (((i * 2654435761 + salt * 40503) >>> 0) % 10_000) / 10_000 - 0.5;
