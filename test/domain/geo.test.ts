import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GeoJsonPolygon } from "../../src/contracts/geojson";
import {
  boundingBox,
  haversineKm,
  pointInPolygon,
  polygonAreaKm2,
  polygonProblems,
} from "../../src/domain/geo";

const R = 6371.0088;
const rad = (degrees: number) => (degrees * Math.PI) / 180;

/** Uniform over [min, max]: fc.double crowds near zero, leaving most of a shape untested. */
const uniform = (min: number, max: number) =>
  fc.integer({ min: 0, max: 2 ** 30 }).map((n) => min + ((max - min) * n) / 2 ** 30);

/** Closed rectangle ring in [lon, lat] order, counter-clockwise. */
const rectangle = (minLon: number, minLat: number, maxLon: number, maxLat: number) => [
  [minLon, minLat],
  [maxLon, minLat],
  [maxLon, maxLat],
  [minLon, maxLat],
  [minLon, minLat],
];

/** Planar distance from p to segment a-b, written independently of the implementation. */
function segmentDistance(p: number[], a: number[], b: number[]): number {
  const [px = 0, py = 0] = p;
  const [ax = 0, ay = 0] = a;
  const [bx = 0, by = 0] = b;
  const lengthSquared = (bx - ax) ** 2 + (by - ay) ** 2;
  const projection = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / lengthSquared;
  const t = Math.max(0, Math.min(1, projection));
  return Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay)));
}

const edges = (ring: number[][]) =>
  ring.slice(0, -1).map((a, i) => [a, ring[i + 1] ?? a] as const);

const nearAnyEdge = (p: number[], rings: number[][][]) =>
  rings.some((ring) => edges(ring).some(([a, b]) => segmentDistance(p, a, b) < 1e-9));

describe("haversineKm", () => {
  it("measures two Bengaluru points about 1.55 km apart", () => {
    // By hand, flat earth over 0.01°:
    // 111.195 km/° × hypot(0.01, 0.01 × cos 12.905°) = 1.5528 km.
    const distance = haversineKm({ lat: 12.9, lon: 77.6 }, { lat: 12.91, lon: 77.61 });
    expect(Math.abs(distance - 1.5528)).toBeLessThan(0.01);
    // Spherical law of cosines, an independent formula for the same sphere.
    const cosines =
      R *
      Math.acos(
        Math.sin(rad(12.9)) * Math.sin(rad(12.91)) +
          Math.cos(rad(12.9)) * Math.cos(rad(12.91)) * Math.cos(rad(0.01)),
      );
    expect(distance).toBeCloseTo(cosines, 6);
  });

  it("gives R·π/180 per degree along a meridian and R·π between antipodes", () => {
    expect(haversineKm({ lat: 0, lon: 10 }, { lat: 1, lon: 10 })).toBeCloseTo(111.19508, 4);
    expect(haversineKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(20015.11444, 4);
    expect(haversineKm({ lat: 90, lon: 0 }, { lat: -90, lon: 0 })).toBeCloseTo(20015.11444, 4);
  });

  it("is zero for the same point, symmetric, and never beyond half the circumference", () => {
    const point = fc.record({
      lat: uniform(-90, 90),
      lon: uniform(-180, 180),
    });
    fc.assert(
      fc.property(point, point, (a, b) => {
        expect(haversineKm(a, a)).toBe(0);
        expect(haversineKm(a, b)).toBeCloseTo(haversineKm(b, a), 9);
        expect(haversineKm(a, b)).toBeLessThanOrEqual(Math.PI * R + 1e-9);
        expect(Number.isNaN(haversineKm(a, b))).toBe(false);
      }),
    );
  });
});

describe("polygonProblems", () => {
  it("accepts a closed ring with an area, with or without a hole", () => {
    expect(polygonProblems([rectangle(77.5, 12.9, 77.7, 13.1)])).toEqual([]);
    expect(
      polygonProblems([rectangle(77.5, 12.9, 77.7, 13.1), rectangle(77.55, 12.95, 77.6, 13)]),
    ).toEqual([]);
  });

  it("needs at least one ring", () => {
    expect(polygonProblems([])).toEqual([
      { path: [], message: "Polygon must have at least one ring" },
    ]);
  });

  it("rejects an open ring", () => {
    const open = [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ];
    expect(polygonProblems([open])).toEqual([
      { path: [0], message: expect.stringContaining("closed") },
    ]);
  });

  it("rejects a ring of three positions", () => {
    const tooShort = [
      [0, 0],
      [1, 0],
      [0, 0],
    ];
    expect(polygonProblems([tooShort])).toEqual([
      { path: [0], message: expect.stringContaining("at least 4 positions") },
    ]);
  });

  it("points at an out-of-range position by ring and index", () => {
    const ring = rectangle(0, 0, 1, 1);
    ring[3] = [0, 95];
    expect(polygonProblems([ring])).toEqual([
      { path: [0, 3], message: "Latitude must be between -90 and 90" },
    ]);
    const hole = rectangle(0.2, 0.2, 0.4, 0.4);
    hole[1] = [-181, 0.2];
    expect(polygonProblems([rectangle(0, 0, 1, 1), hole])).toEqual([
      { path: [1, 1], message: "Longitude must be between -180 and 180" },
    ]);
  });

  it("rejects positions that are not exactly two finite numbers", () => {
    const ring = rectangle(0, 0, 1, 1);
    ring[1] = [1, 0, 10];
    ring[2] = [Number.NaN, 1];
    ring[3] = [0, Number.POSITIVE_INFINITY];
    expect(polygonProblems([ring])).toEqual([
      { path: [0, 1], message: "Position must be [lon, lat]" },
      { path: [0, 2], message: "Position must be finite numbers" },
      { path: [0, 3], message: "Position must be finite numbers" },
    ]);
  });

  it("rejects a ring whose positions are all on one line", () => {
    const collinear = [
      [0, 0],
      [1, 1],
      [2, 2],
      [0.5, 0.5],
      [0, 0],
    ];
    expect(polygonProblems([collinear])).toEqual([
      { path: [0], message: expect.stringContaining("area") },
    ]);
    const onePoint = [
      [3, 3],
      [3, 3],
      [3, 3],
      [3, 3],
    ];
    expect(polygonProblems([onePoint])).toHaveLength(1);
  });

  it("reports every broken ring, not just the first", () => {
    const problems = polygonProblems([
      [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ],
      [[0, 0]],
    ]);
    expect(problems.map((problem) => problem.path)).toEqual([[0], [1]]);
  });
});

describe("GeoJsonPolygon schema", () => {
  it("accepts a valid polygon", () => {
    const polygon = { type: "Polygon", coordinates: [rectangle(77.5, 12.9, 77.7, 13.1)] };
    expect(GeoJsonPolygon.parse(polygon)).toEqual(polygon);
  });

  it("reports domain problems at their coordinates path", () => {
    const ring = rectangle(0, 0, 1, 1);
    ring[3] = [0, 95];
    const result = GeoJsonPolygon.safeParse({ type: "Polygon", coordinates: [ring] });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([
      ["coordinates.0.3", "Latitude must be between -90 and 90"],
    ]);
  });

  it("rejects other geometry types and unknown fields", () => {
    const coordinates = [rectangle(0, 0, 1, 1)];
    expect(GeoJsonPolygon.safeParse({ type: "MultiPolygon", coordinates }).success).toBe(false);
    expect(GeoJsonPolygon.safeParse({ type: "Polygon", coordinates, bbox: [] }).success).toBe(
      false,
    );
    expect(GeoJsonPolygon.safeParse({ type: "Polygon", coordinates: [[["0", "0"]]] }).success).toBe(
      false,
    );
  });
});

describe("pointInPolygon", () => {
  const square = [rectangle(0, 0, 10, 10)];
  const withHole = [rectangle(0, 0, 10, 10), rectangle(3, 3, 7, 7)];

  it("counts points on the outer boundary and vertices as inside", () => {
    expect(pointInPolygon({ lon: 0, lat: 5 }, square)).toBe(true);
    expect(pointInPolygon({ lon: 10, lat: 5 }, square)).toBe(true);
    expect(pointInPolygon({ lon: 5, lat: 10 }, square)).toBe(true);
    expect(pointInPolygon({ lon: 10, lat: 10 }, square)).toBe(true);
    expect(pointInPolygon({ lon: 0, lat: 0 }, square)).toBe(true);
    expect(pointInPolygon({ lon: 10.000001, lat: 5 }, square)).toBe(false);
  });

  it("counts points on a slanted edge as inside, despite rounding", () => {
    const triangle = [
      [
        [77.6, 12.9],
        [77.7, 12.95],
        [77.6, 13],
        [77.6, 12.9],
      ],
    ];
    const midpoint = { lon: (77.6 + 77.7) / 2, lat: (12.9 + 12.95) / 2 };
    expect(pointInPolygon(midpoint, triangle)).toBe(true);
    expect(pointInPolygon({ lon: 77.65 + 1e-6, lat: 12.925 }, triangle)).toBe(false);
  });

  it("excludes a hole's interior but keeps the hole's boundary", () => {
    expect(pointInPolygon({ lon: 5, lat: 5 }, withHole)).toBe(false);
    expect(pointInPolygon({ lon: 3, lat: 5 }, withHole)).toBe(true);
    expect(pointInPolygon({ lon: 7, lat: 7 }, withHole)).toBe(true);
    expect(pointInPolygon({ lon: 2, lat: 5 }, withHole)).toBe(true);
  });

  it("handles a ray passing exactly through vertices", () => {
    const diamond = [
      [
        [0, -1],
        [1, 0],
        [0, 1],
        [-1, 0],
        [0, -1],
      ],
    ];
    expect(pointInPolygon({ lon: 0, lat: 0 }, diamond)).toBe(true);
    expect(pointInPolygon({ lon: -2, lat: 0 }, diamond)).toBe(false);
    expect(pointInPolygon({ lon: 2, lat: 0 }, diamond)).toBe(false);
    expect(pointInPolygon({ lon: -0.5, lat: 1 }, diamond)).toBe(false);
  });

  it("handles a concave ring", () => {
    // A U shape opening north: the notch between its arms is outside.
    const u = [
      [
        [0, 0],
        [3, 0],
        [3, 3],
        [2, 3],
        [2, 1],
        [1, 1],
        [1, 3],
        [0, 3],
        [0, 0],
      ],
    ];
    expect(pointInPolygon({ lon: 1.5, lat: 2 }, u)).toBe(false);
    expect(pointInPolygon({ lon: 0.5, lat: 2 }, u)).toBe(true);
    expect(pointInPolygon({ lon: 2.5, lat: 2 }, u)).toBe(true);
    expect(pointInPolygon({ lon: 1.5, lat: 0.5 }, u)).toBe(true);
  });

  it("agrees with a bounds check for random rectangles", () => {
    const arbitrary = fc
      .record({
        minLon: uniform(-170, 160),
        minLat: uniform(-80, 70),
        width: uniform(1e-3, 10),
        height: uniform(1e-3, 10),
        clockwise: fc.boolean(),
        u: uniform(-0.5, 1.5),
        v: uniform(-0.5, 1.5),
      })
      .map(({ minLon, minLat, width, height, clockwise, u, v }) => {
        const ring = rectangle(minLon, minLat, minLon + width, minLat + height);
        return {
          ring: clockwise ? ring.reverse() : ring,
          box: { minLon, minLat, maxLon: minLon + width, maxLat: minLat + height },
          point: [minLon + u * width, minLat + v * height],
        };
      });
    fc.assert(
      fc.property(arbitrary, ({ ring, box, point }) => {
        const [lon = 0, lat = 0] = point;
        fc.pre(!nearAnyEdge(point, [ring]));
        const inBounds =
          lon > box.minLon && lon < box.maxLon && lat > box.minLat && lat < box.maxLat;
        expect(pointInPolygon({ lon, lat }, [ring])).toBe(inBounds);
      }),
      { numRuns: 500 },
    );
  });

  it("agrees with a half-plane test for random convex polygons", () => {
    const arbitrary = fc
      .record({
        centerLon: uniform(-170, 170),
        centerLat: uniform(-80, 80),
        radius: uniform(1e-3, 5),
        sides: fc.integer({ min: 3, max: 12 }),
        rotation: uniform(0, 2 * Math.PI),
        clockwise: fc.boolean(),
        u: uniform(-1.5, 1.5),
        v: uniform(-1.5, 1.5),
      })
      .map(({ centerLon, centerLat, radius, sides, rotation, clockwise, u, v }) => {
        const vertices = Array.from({ length: sides }, (_, i) => {
          const angle = rotation + (2 * Math.PI * i) / sides;
          return [centerLon + radius * Math.cos(angle), centerLat + radius * Math.sin(angle)];
        });
        if (clockwise) vertices.reverse();
        return {
          ring: [...vertices, vertices[0] ?? []],
          point: [centerLon + u * radius, centerLat + v * radius],
        };
      });
    fc.assert(
      fc.property(arbitrary, ({ ring, point }) => {
        expect(polygonProblems([ring])).toEqual([]);
        fc.pre(!nearAnyEdge(point, [ring]));
        const [px = 0, py = 0] = point;
        // Inside a convex polygon means on the same side of every edge, whatever the winding.
        const sides = edges(ring).map(([[ax = 0, ay = 0], [bx = 0, by = 0]]) =>
          Math.sign((bx - ax) * (py - ay) - (by - ay) * (px - ax)),
        );
        const inside = sides.every((s) => s > 0) || sides.every((s) => s < 0);
        expect(pointInPolygon({ lon: px, lat: py }, [ring])).toBe(inside);
      }),
      { numRuns: 500 },
    );
  });

  it("agrees with outer-minus-hole bounds for random points around a holed square", () => {
    const point = fc.tuple(
      uniform(-1, 11),
      uniform(-1, 11),
    );
    fc.assert(
      fc.property(point, ([lon, lat]) => {
        fc.pre(!nearAnyEdge([lon, lat], withHole));
        const inOuter = lon > 0 && lon < 10 && lat > 0 && lat < 10;
        const inHole = lon > 3 && lon < 7 && lat > 3 && lat < 7;
        expect(pointInPolygon({ lon, lat }, withHole)).toBe(inOuter && !inHole);
      }),
      { numRuns: 500 },
    );
  });
});

describe("polygonAreaKm2", () => {
  it("matches the exact spherical area of a lat/lon rectangle", () => {
    // A lat/lon rectangle covers R²·Δλ·(sin φ2 − sin φ1) of the sphere.
    const exact = R * R * rad(1) * (Math.sin(rad(1)) - Math.sin(0));
    expect(polygonAreaKm2([rectangle(0, 0, 1, 1)])).toBeCloseTo(exact, 6);
    expect(exact).toBeCloseTo(12363.5, 0);
  });

  it("is close to the flat-earth area for a city-sized zone, whichever the winding", () => {
    const flat = 0.2 * 111.19508 * (0.2 * 111.19508 * Math.cos(rad(13)));
    const zone = rectangle(77.5, 12.9, 77.7, 13.1);
    expect(Math.abs(polygonAreaKm2([zone]) / flat - 1)).toBeLessThan(1e-3);
    expect(polygonAreaKm2([[...zone].reverse()])).toBeCloseTo(polygonAreaKm2([zone]), 9);
  });

  it("subtracts holes", () => {
    const outer = polygonAreaKm2([rectangle(0, 0, 10, 10)]);
    const hole = polygonAreaKm2([rectangle(3, 3, 7, 7)]);
    expect(polygonAreaKm2([rectangle(0, 0, 10, 10), rectangle(3, 3, 7, 7)])).toBeCloseTo(
      outer - hole,
      6,
    );
    expect(hole).toBeGreaterThan(0);
  });
});

describe("boundingBox", () => {
  it("spans the outer ring", () => {
    const ring = [
      [77.6, 12.9],
      [77.7, 12.95],
      [77.65, 13.05],
      [77.55, 13],
      [77.6, 12.9],
    ];
    expect(boundingBox([ring])).toEqual({
      minLat: 12.9,
      maxLat: 13.05,
      minLon: 77.55,
      maxLon: 77.7,
    });
  });

  it("refuses a polygon without an outer ring", () => {
    expect(() => boundingBox([])).toThrow(RangeError);
  });
});
