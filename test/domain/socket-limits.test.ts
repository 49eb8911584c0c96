import { describe, expect, it } from "vitest";
import { audience } from "../../src/domain/audiences";
import { MAX_CUSTOMER_SOCKETS_PER_ORDER, MAX_OPS_SOCKETS_PER_CALLER, socketCap } from "../../src/domain/socket-limits";

describe("socketCap", () => {
  it("counts ops sockets per caller and customer sockets per order; drivers are replaced, not capped", () => {
    expect(socketCap(audience.ops, "sub-1")).toEqual({ tag: "ops-caller:sub-1", limit: MAX_OPS_SOCKETS_PER_CALLER });
    expect(socketCap(audience.ops, "sub-2")?.tag).not.toBe(socketCap(audience.ops, "sub-1")?.tag);
    expect(socketCap(audience.customer("d-1"), null)).toEqual({ tag: "customer:d-1", limit: MAX_CUSTOMER_SOCKETS_PER_ORDER });
    expect(socketCap(audience.driver("x"), null)).toBeNull();
    expect([MAX_OPS_SOCKETS_PER_CALLER, MAX_CUSTOMER_SOCKETS_PER_ORDER]).toEqual([3, 5]);
  });
});
