import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nearestRank, reportWindow } from "../../src/domain/report-window";

const NOW = Date.parse("2026-02-01T10:00:00.000Z");
const DAY = 86_400_000;

describe("the reports' window", () => {
  it("defaults to the 24 h before now, or before `to`; instants with an offset come back in UTC", () => {
    expect(reportWindow({}, NOW)).toEqual({ ok: true, from: "2026-01-31T10:00:00.000Z", to: "2026-02-01T10:00:00.000Z" });
    expect(reportWindow({ to: "2026-01-10T00:00:00+05:30" }, NOW)).toEqual({ ok: true, from: "2026-01-08T18:30:00.000Z", to: "2026-01-09T18:30:00.000Z" });
    expect(reportWindow({ from: "2026-01-31T00:00:00Z" }, NOW)).toMatchObject({ ok: true, to: "2026-02-01T10:00:00.000Z" });
  });

  it("refuses from after to and spans over 92 days; exactly 92 days and an empty window are fine", () => {
    expect(reportWindow({ from: "2026-02-01T00:00:00.001Z", to: "2026-02-01T00:00:00Z" }, NOW)).toMatchObject({ ok: false, path: "query.from" });
    expect(reportWindow({ from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }, NOW)).toMatchObject({ ok: true });
    const to = Date.parse("2026-05-01T00:00:00Z");
    expect(reportWindow({ from: new Date(to - 92 * DAY).toISOString(), to: new Date(to).toISOString() }, NOW)).toMatchObject({ ok: true });
    expect(reportWindow({ from: new Date(to - 92 * DAY - 1).toISOString(), to: new Date(to).toISOString() }, NOW)).toMatchObject({ ok: false, path: "query.from" });
  });
});

describe("nearest-rank percentiles", () => {
  it("ranks ⌈p/100 × n⌉, at least 1; none without values", () => {
    expect(nearestRank(50, 0)).toBeNull();
    expect(nearestRank(50, 1)).toBe(1);
    expect(nearestRank(99, 1)).toBe(1);
    expect([50, 90, 99].map((p) => nearestRank(p, 3))).toEqual([2, 3, 3]);
    expect([50, 90, 99].map((p) => nearestRank(p, 10))).toEqual([5, 9, 10]);
    expect([50, 90, 99].map((p) => nearestRank(p, 100))).toEqual([50, 90, 99]);
  });

  it("agrees with the integer form the D1 query uses, (n × p + 99) / 100, for every n", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom(50, 90, 99), (n, p) => nearestRank(p, n) === Math.floor((n * p + 99) / 100)),
    );
  });
});
