import { describe, expect, it } from "vitest";
import { traceContextOf } from "../../src/domain/trace-context";

const fresh = { traceId: "a".repeat(32), spanId: "b".repeat(16) };

describe("traceContextOf", () => {
  it("continues a caller's trace with this service's span, keeping the flags", () => {
    const header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    expect(traceContextOf(header, fresh)).toEqual({
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: fresh.spanId,
      traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${fresh.spanId}-01`,
    });
    expect(traceContextOf("00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-00", fresh).traceparent).toMatch(/-00$/);
  });

  it("starts a new trace for a missing, malformed or all-zero header", () => {
    for (const header of [undefined, "", "garbage", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", `00-${"0".repeat(32)}-00f067aa0ba902b7-01`, `00-4bf92f3577b34da6a3ce929d0e0e4736-${"0".repeat(16)}-01`]) {
      expect(traceContextOf(header, fresh), String(header)).toEqual({ ...fresh, traceparent: `00-${fresh.traceId}-${fresh.spanId}-01` });
    }
  });
});
