import { describe, expect, it } from "vitest";
import { zeroCounts } from "../../src/domain/counts";
import { LEVEL_KEYS } from "../../src/domain/escalation-ladder";

describe("zeroCounts", () => {
  it("gives every key a zero, in the keys' order", () => {
    expect(Object.entries(zeroCounts(["b", "a", "c"]))).toEqual([["b", 0], ["a", 0], ["c", 0]]);
  });

  it("covers every escalation level from 0 to the top", () => {
    expect(zeroCounts(LEVEL_KEYS)).toEqual({ "0": 0, "1": 0, "2": 0, "3": 0 });
  });

  it("returns a fresh map each time, so one summary's counts never leak into the next", () => {
    const first = zeroCounts(LEVEL_KEYS);
    first["1"] = 5;
    expect(zeroCounts(LEVEL_KEYS)["1"]).toBe(0);
  });
});
