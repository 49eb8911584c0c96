import { describe, expect, it } from "vitest";
import { orderIdFor } from "../../src/domain/delivery-intake";

describe("orderIdFor", () => {
  it("keeps the marketplace's own orderId when one is given", () => {
    expect(orderIdFor({ orderId: "ORD-1", sellerOrderId: "S-1" })).toBe("ORD-1");
  });

  it("falls back to the seller's order id when none is given", () => {
    expect(orderIdFor({ sellerOrderId: "S-1" })).toBe("S-1");
    expect(orderIdFor({ orderId: undefined, sellerOrderId: "S-1" })).toBe("S-1");
  });
});
