import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { timestampedSignature } from "../../src/domain/webhook-signature";

describe("timestampedSignature", () => {
  it("is t=<seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>, as a receiver recomputes it with node:crypto", async () => {
    const body = JSON.stringify({ id: "e1", type: "delivery.created", data: { note: "naïve ✓" } });
    const header = await timestampedSignature("whsec-0123456789abcdef", 1_780_000_000, body);
    const expected = createHmac("sha256", "whsec-0123456789abcdef").update(`1780000000.${body}`).digest("hex");
    expect(header).toBe(`t=1780000000,v1=${expected}`);
  });

  it("changes with the timestamp, the body and the secret", async () => {
    const base = await timestampedSignature("secret-a-0123456789", 100, "{}");
    expect(await timestampedSignature("secret-a-0123456789", 101, "{}")).not.toBe(base);
    expect(await timestampedSignature("secret-a-0123456789", 100, "{ }")).not.toBe(base);
    expect(await timestampedSignature("secret-b-0123456789", 100, "{}")).not.toBe(base);
  });
});
