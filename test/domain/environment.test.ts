import { describe, expect, it } from "vitest";
import { isRelaxedEnvironment } from "../../src/domain/environment";

describe("finding 1: production safeguards fail open", () => {
  it("only development or test, in any case, relaxes anything", () => {
    for (const name of ["development", "Development", "TEST", "test"]) expect(isRelaxedEnvironment(name), name).toBe(true);
  });

  it("anything else, or nothing, is production", () => {
    for (const name of [undefined, "", "production", "Production", "staging", "dev", "prod", "developmentx", "testing"]) {
      expect(isRelaxedEnvironment(name), String(name)).toBe(false);
    }
  });
});
