import { describe, expect, it } from "vitest";
import { maskPhone, phoneSeenBy } from "../../src/domain/phone";

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

describe("phoneSeenBy", () => {
  const driver = { id: "driver-1", phone: "+14155550199" };

  it("shows the whole number to the driver itself and to admins", () => {
    expect(phoneSeenBy(driver, { role: "driver", id: "driver-1" })).toBe("+14155550199");
    expect(phoneSeenBy(driver, { role: "admin", id: "admin-1" })).toBe("+14155550199");
  });

  it("masks it for ops, the order service and other drivers", () => {
    expect(phoneSeenBy(driver, { role: "ops", id: "ops-1" })).toBe("***-***-0199");
    expect(phoneSeenBy(driver, { role: "service", id: "svc-1" })).toBe("***-***-0199");
    expect(phoneSeenBy(driver, { role: "driver", id: "driver-2" })).toBe("***-***-0199");
  });
});
