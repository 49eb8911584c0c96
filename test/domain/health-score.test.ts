import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type ScoreInputs, addWait, averageWaitSeconds, demandLevel, healthScore, inWindow } from "../../src/domain/health-score";

const T = Date.parse("2026-02-01T10:00:00.000Z");
const NONE_WAITING = { count: 0, totalMs: 0 };
const healthy: ScoreInputs = {
  driversOnline: 5,
  minDriversRequired: 5,
  avgWaitTimeSeconds: 300,
  targetWaitTimeSeconds: 300,
  waiting: 0,
  escalated: 0,
};

describe("demandLevel", () => {
  it.each([
    ["nothing waiting, nobody available", 0, 0, 1],
    ["nothing waiting, drivers idle", 0, 10, 1],
    ["one waiting, nobody available", 1, 0, 10],
    ["as many waiting as available", 4, 4, 5],
    ["one waiting, nine available", 1, 9, 1],
    ["nine waiting, one available", 9, 1, 9],
    ["two waiting, one available: 1 + floor(6)", 2, 1, 7],
  ])("%s → %i", (_, waiting, available, level) => {
    expect(demandLevel(waiting, available)).toBe(level);
  });

  it("is always 1…10, rises with waiting deliveries and falls with available drivers", () => {
    fc.assert(
      fc.property(fc.nat(10_000), fc.nat(10_000), (w, a) => {
        const level = demandLevel(w, a);
        expect(Number.isInteger(level) && level >= 1 && level <= 10).toBe(true);
        expect(demandLevel(w + 1, a)).toBeGreaterThanOrEqual(level);
        expect(demandLevel(w, a + 1)).toBeLessThanOrEqual(level);
      }),
    );
  });
});

describe("healthScore", () => {
  it.each<[string, Partial<ScoreInputs>, number]>([
    ["fully staffed, waits exactly at target, nothing waiting", {}, 100],
    ["no drivers at all (supply 0)", { driversOnline: 0 }, 60],
    ["half the drivers required", { driversOnline: 2, minDriversRequired: 4 }, 80],
    ["more drivers than required counts as enough", { driversOnline: 50 }, 100],
    ["a zone requiring no drivers, with one online", { minDriversRequired: 0, driversOnline: 1 }, 100],
    ["a zone requiring no drivers, with none online", { minDriversRequired: 0, driversOnline: 0 }, 60],
    ["waits one second over target", { avgWaitTimeSeconds: 301 }, 100], // round(100 × (0.4 + 0.4 × 300/301 + 0.2)) = 100
    ["waits twice the target", { avgWaitTimeSeconds: 600 }, 80],
    ["every waiting delivery escalated", { waiting: 3, escalated: 3 }, 80],
    ["one of four waiting escalated", { waiting: 4, escalated: 1 }, 95],
    ["nothing online, waits 4× target, all escalated", { driversOnline: 0, avgWaitTimeSeconds: 1200, waiting: 2, escalated: 2 }, 10],
  ])("%s → %i", (_, change, score) => {
    expect(healthScore({ ...healthy, ...change })).toBe(score);
  });

  const inputs = fc.record({
    driversOnline: fc.nat(1000),
    minDriversRequired: fc.nat(1000),
    avgWaitTimeSeconds: fc.nat(100_000),
    targetWaitTimeSeconds: fc.integer({ min: 1, max: 86_400 }),
    waiting: fc.nat(1000),
    escalated: fc.nat(1000),
  });

  it("is always a whole number 0…100", () => {
    fc.assert(
      fc.property(inputs, (i) => {
        const score = healthScore({ ...i, escalated: Math.min(i.escalated, i.waiting) });
        expect(Number.isInteger(score) && score >= 0 && score <= 100).toBe(true);
      }),
    );
  });

  it("never rises with longer waits or more escalated deliveries, never falls with more drivers online", () => {
    fc.assert(
      fc.property(inputs, fc.integer({ min: 1, max: 1000 }), (raw, step) => {
        const i = { ...raw, escalated: Math.min(raw.escalated, raw.waiting) };
        const score = healthScore(i);
        expect(healthScore({ ...i, avgWaitTimeSeconds: i.avgWaitTimeSeconds + step })).toBeLessThanOrEqual(score);
        expect(healthScore({ ...i, driversOnline: i.driversOnline + step })).toBeGreaterThanOrEqual(score);
        if (i.escalated < i.waiting) expect(healthScore({ ...i, escalated: i.escalated + 1 })).toBeLessThanOrEqual(score);
      }),
    );
  });
});

describe("assignment waits over the last hour", () => {
  it("is 0 when nothing was created in the hour", () => {
    expect(averageWaitSeconds([], NONE_WAITING, T)).toBe(0);
    const old = addWait([], T - 2 * 3_600_000, 60_000, T - 2 * 3_600_000 + 60_000);
    expect(averageWaitSeconds(old, NONE_WAITING, T)).toBe(0);
  });

  it("averages assigned deliveries with the waits so far of those still waiting, rounded to the second", () => {
    let buckets = addWait([], T - 10 * 60_000, 30_000, T - 9 * 60_000);
    buckets = addWait(buckets, T - 10 * 60_000 + 5_000, 90_000, T - 8 * 60_000);
    buckets = addWait(buckets, T - 5 * 60_000, 61_000, T - 4 * 60_000);
    // Two in one creation minute, one in another.
    expect(buckets).toEqual([
      [Math.floor((T - 10 * 60_000) / 60_000), 120_000, 2],
      [Math.floor((T - 5 * 60_000) / 60_000), 61_000, 1],
    ]);
    // (30 + 90 + 61 + 200) / 4 = 95.25 s
    expect(averageWaitSeconds(buckets, { count: 1, totalMs: 200_000 }, T)).toBe(95);
    expect(averageWaitSeconds([], { count: 2, totalMs: 3_000 }, T)).toBe(2); // 1.5 s rounds up
  });

  it("keeps at most one bucket per minute of the last hour, whatever the traffic", () => {
    let buckets = addWait([], T, 1, T);
    for (let minute = 1; minute <= 180; minute++) {
      const at = T + minute * 60_000;
      for (let i = 0; i < 5; i++) buckets = addWait(buckets, at - i * 1000, 10_000, at);
    }
    expect(buckets.length).toBeLessThanOrEqual(62);
    expect(inWindow(buckets, T + 180 * 60_000)).toEqual(buckets);
    expect(buckets.every(([, , count]) => count <= 10)).toBe(true);
  });
});
