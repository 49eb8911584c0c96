import { describe, expect, it } from "vitest";
import { jsonIsland } from "../../src/web/pages/page-shell";
import { polylinePoints, projectionFor } from "../../src/web/shared/schematic";
import { clockTime, timelineSteps, updatedAgo } from "../../src/web/shared/tracking-timeline";

describe("schematic projection", () => {
  const store = { lat: 12.96, lon: 77.61 };
  const home = { lat: 12.98, lon: 77.63 };

  it("fits every point inside the box with a margin, north up, east right", () => {
    const p = projectionFor([store, home], 320, 200);
    for (const point of [store, home]) {
      const { x, y } = p.place(point);
      expect(x).toBeGreaterThanOrEqual(40);
      expect(x).toBeLessThanOrEqual(280);
      expect(y).toBeGreaterThanOrEqual(40);
      expect(y).toBeLessThanOrEqual(160);
    }
    expect(p.place(home).x).toBeGreaterThan(p.place(store).x);
    expect(p.place(home).y).toBeLessThan(p.place(store).y);
  });

  it("uses one scale on both axes (a square stays square) and survives one point or none", () => {
    const p = projectionFor([store, { lat: store.lat + 0.01, lon: store.lon + 0.01 / Math.cos((store.lat * Math.PI) / 180) }]);
    const [a, b] = [p.place(store), p.place({ lat: store.lat + 0.01, lon: store.lon + 0.01 / Math.cos((store.lat * Math.PI) / 180) })];
    expect(Math.abs(Math.abs(b.x - a.x) - Math.abs(b.y - a.y))).toBeLessThan(1);
    expect(projectionFor([store]).place(store)).toEqual({ x: 160, y: 100 });
    expect(projectionFor([]).width).toBe(320);
    expect(polylinePoints(projectionFor([store]), [store, store])).toBe("160,100 160,100");
  });
});

describe("tracking timeline", () => {
  it("marks steps done, current and upcoming; delivered is all done; failed and cancelled have none", () => {
    expect(timelineSteps("picked_up").map((s) => s.state)).toEqual(["done", "done", "current", "upcoming", "upcoming"]);
    expect(timelineSteps("delivered").every((s) => s.state === "done")).toBe(true);
    expect(timelineSteps("failed")).toEqual([]);
    expect(timelineSteps("cancelled")).toEqual([]);
  });

  it("shows times in the zone's timezone, UTC for an unknown one", () => {
    expect(clockTime("2026-12-01T10:05:00.000Z", "Asia/Kolkata")).toBe("15:35");
    expect(clockTime("2026-12-01T10:05:00.000Z", "Not/AZone")).toBe("10:05");
  });

  it("says how long ago in seconds, then minutes", () => {
    const t = Date.parse("2026-12-01T10:00:00.000Z");
    expect(updatedAgo("2026-12-01T10:00:00.000Z", t + 500)).toBe("updated just now");
    expect(updatedAgo("2026-12-01T10:00:00.000Z", t + 42_000)).toBe("updated 42 s ago");
    expect(updatedAgo("2026-12-01T10:00:00.000Z", t + 300_000)).toBe("updated 5 min ago");
  });
});

describe("jsonIsland", () => {
  it("cannot close its script element or open a comment, and parses back to the same data", () => {
    const data = { storeName: "</script><script>alert(1)</script><!--", n: 1 };
    const island = jsonIsland(data);
    expect(island).not.toContain("<");
    expect(JSON.parse(island)).toEqual(data);
  });
});
