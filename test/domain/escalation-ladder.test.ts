import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { levelReached, levelsToFire, nextLevelAt } from "../../src/domain/escalation-ladder";

const T0 = Date.parse("2026-02-01T10:00:00.000Z");
const DEFAULT = [300, 900, 1800];

describe("escalation ladder", () => {
  it.each([
    [299_999, 0],
    [300_000, 1],
    [300_001, 1],
    [899_999, 1],
    [900_000, 2],
    [1_799_999, 2],
    [1_800_000, 3],
    [86_400_000, 3],
  ])("at created + %i ms the delivery has reached level %i", (elapsed, level) => {
    expect(levelReached(T0, DEFAULT, T0 + elapsed)).toBe(level);
  });

  it("follows custom thresholds, in seconds", () => {
    expect(levelReached(T0, [1, 2, 3], T0 + 999)).toBe(0);
    expect(levelReached(T0, [1, 2, 3], T0 + 2000)).toBe(2);
    expect(nextLevelAt(T0, [1, 2, 3], 0)).toBe(T0 + 1000);
    expect(nextLevelAt(T0, [1, 2, 3], 2)).toBe(T0 + 3000);
    expect(nextLevelAt(T0, [1, 2, 3], 3)).toBeNull();
  });

  it("fires each level once, in order, whatever runs twice or late", () => {
    expect(levelsToFire(0, 3)).toEqual([1, 2, 3]);
    expect(levelsToFire(1, 1)).toEqual([]);
    expect(levelsToFire(2, 1)).toEqual([]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2_000_000 }), { maxLength: 30 }), (checkTimes) => {
        let level = 0;
        const fired: number[] = [];
        for (const t of [...checkTimes].sort((a, b) => a - b)) {
          const levels = levelsToFire(level, levelReached(T0, DEFAULT, T0 + t));
          fired.push(...levels);
          level = levels.at(-1) ?? level;
        }
        expect(fired).toEqual([1, 2, 3].slice(0, fired.length));
        expect(new Set(fired).size).toBe(fired.length);
      }),
    );
  });
});
