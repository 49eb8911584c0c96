import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LruMap } from "../../src/domain/lru-map";

describe("LruMap", () => {
  it("drops the least recently used entry past its capacity; a read counts as a use", () => {
    const map = new LruMap<string, number>(2);
    map.set("a", 1);
    map.set("b", 2);
    expect(map.get("a")).toBe(1);
    map.set("c", 3);
    expect([map.get("a"), map.get("b"), map.get("c")]).toEqual([1, undefined, 3]);
    map.set("a", 10);
    expect(map.size).toBe(2);
    expect(map.get("a")).toBe(10);
  });

  it("never holds more than its capacity, and always the newest key", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (capacity, keys) => {
        const map = new LruMap<number, number>(capacity);
        for (const key of keys) {
          map.set(key, key);
          expect(map.size).toBeLessThanOrEqual(capacity);
          expect(map.get(key)).toBe(key);
        }
      }),
    );
  });
});
