import { describe, expect, it } from "vitest";
import { firstName, shortName } from "../../src/domain/person-names";

describe("person names", () => {
  it("a driver sees the customer's first name only", () => {
    expect(firstName("Asha Rao")).toBe("Asha");
    expect(firstName("  Asha   Devi Rao ")).toBe("Asha");
    expect(firstName("Cher")).toBe("Cher");
    expect(firstName("   ")).toBe("");
  });

  it("a customer sees the driver's first name and last initial", () => {
    expect(shortName("John Doe")).toBe("John D.");
    expect(shortName("john ronald doe")).toBe("john D.");
    expect(shortName("Prince")).toBe("Prince");
  });
});
