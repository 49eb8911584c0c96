import { describe, expect, it } from "vitest";
import { maskPhone } from "../../src/domain/phone";

describe("maskPhone", () => {
  it("shows only the last four digits", () => {
    expect(maskPhone("+919876541234")).toBe("***-***-1234");
    expect(maskPhone("+14155550199")).toBe("***-***-0199");
  });

  it("ignores formatting characters when picking the digits", () => {
    expect(maskPhone("+1 (415) 555-0199")).toBe("***-***-0199");
  });

  it("reveals nothing when there are fewer than four digits", () => {
    expect(maskPhone("+123")).toBe("***-***-****");
    expect(maskPhone("")).toBe("***-***-****");
  });

  it("shows exactly four digits when there are exactly four", () => {
    expect(maskPhone("+1234")).toBe("***-***-1234");
  });
});
