import { describe, expect, it } from "vitest";
import { d1WriteFailureRate, d1WriteFault } from "../../src/domain/fault-injection";

describe("d1WriteFailureRate", () => {
  it("honours the configured rate only in development or test", () => {
    expect(d1WriteFailureRate("development", "0.3")).toBe(0.3);
    expect(d1WriteFailureRate("TEST", "1")).toBe(1);
    for (const environment of [undefined, "", "production", "staging"]) {
      expect(d1WriteFailureRate(environment, "0.3"), String(environment)).toBe(0);
    }
  });

  it("is 0 when unset or unparsable, and at most 1", () => {
    for (const configured of [undefined, "", "abc", "-0.5", "0", "NaN", "Infinity"]) {
      expect(d1WriteFailureRate("test", configured), String(configured)).toBe(0);
    }
    expect(d1WriteFailureRate("test", "7")).toBe(1);
  });
});

describe("d1WriteFault", () => {
  it("fails the draws below the rate, the lower half before the write and the upper half after it", () => {
    expect(d1WriteFault(0.3, 0)).toBe("refused");
    expect(d1WriteFault(0.3, 0.1499)).toBe("refused");
    expect(d1WriteFault(0.3, 0.15)).toBe("answer_lost");
    expect(d1WriteFault(0.3, 0.2999)).toBe("answer_lost");
    expect(d1WriteFault(0.3, 0.3)).toBe("none");
    expect(d1WriteFault(0.3, 0.9999)).toBe("none");
  });

  it("never fails at rate 0 and always fails at rate 1", () => {
    for (const random of [0, 0.25, 0.5, 0.999]) {
      expect(d1WriteFault(0, random)).toBe("none");
      expect(d1WriteFault(1, random)).not.toBe("none");
    }
  });
});
