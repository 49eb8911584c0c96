import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { haversineKm } from "../../src/domain/geo";
import { SpatialIndex } from "../../src/domain/spatial-index";

const point = (latMin: number, latMax: number, lonMin: number, lonMax: number) =>
  fc.record({
    lat: fc.integer({ min: 0, max: 1_000_000 }).map((n) => latMin + ((latMax - latMin) * n) / 1_000_000),
    lon: fc.integer({ min: 0, max: 1_000_000 }).map((n) => lonMin + ((lonMax - lonMin) * n) / 1_000_000),
  });

describe("spatial index", () => {
  it("finds exactly the points a brute-force distance scan finds", () => {
    for (const [latMin, latMax] of [
      [12.8, 13.1],
      [59.8, 60.2],
      [-34.0, -33.7],
    ] as const) {
      fc.assert(
        fc.property(
          fc.array(point(latMin, latMax, 77.4, 77.8), { minLength: 1, maxLength: 200 }),
          point(latMin, latMax, 77.4, 77.8),
          fc.integer({ min: 1, max: 20 }),
          (points, center, radiusKm) => {
            const index = new SpatialIndex();
            points.forEach((p, i) => index.upsert(`d${i}`, p));
            const got = index.within(center, radiusKm).map((f) => f.id).sort();
            const want = points
              .map((p, i) => ({ id: `d${i}`, d: haversineKm(center, p) }))
              .filter((x) => x.d <= radiusKm)
              .map((x) => x.id)
              .sort();
            expect(got).toEqual(want);
          },
        ),
        { numRuns: 150 },
      );
    }
  });

  it("moves and removes points", () => {
    const index = new SpatialIndex();
    index.upsert("a", { lat: 12.9, lon: 77.6 });
    index.upsert("a", { lat: 13.5, lon: 77.6 });
    expect(index.within({ lat: 12.9, lon: 77.6 }, 5)).toEqual([]);
    expect(index.within({ lat: 13.5, lon: 77.6 }, 1).map((f) => f.id)).toEqual(["a"]);
    index.remove("a");
    expect(index.size).toBe(0);
    expect(index.within({ lat: 13.5, lon: 77.6 }, 1)).toEqual([]);
  });
});
