import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hmacSha256, sha256Hex, toHex } from "../../src/domain/hex";

describe("toHex", () => {
  it("writes each byte as two lower-case digits, from a Uint8Array or an ArrayBuffer", () => {
    expect(toHex(new Uint8Array([0, 1, 15, 16, 171, 255]))).toBe("00010f10abff");
    expect(toHex(new Uint8Array([222, 173, 190, 239]).buffer)).toBe("deadbeef");
    expect(toHex(new Uint8Array(0))).toBe("");
  });

  it("reads only a view's own bytes", () => {
    expect(toHex(new Uint8Array([1, 2, 3, 4]).subarray(1, 3))).toBe("0203");
  });
});

describe("sha256Hex", () => {
  it("matches node:crypto for a text (UTF-8) and for bytes", async () => {
    for (const text of ["", "abc", "zone ü 🚚"]) {
      expect(await sha256Hex(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
    }
    const bytes = new Uint8Array([0, 255, 10, 13]);
    expect(await sha256Hex(bytes)).toBe(createHash("sha256").update(bytes).digest("hex"));
  });
});

describe("hmacSha256", () => {
  it("matches node:crypto's HMAC for UTF-8 secrets and messages", async () => {
    for (const [secret, message] of [["k", ""], ["a-long-shared-secret", "tracking:v1:org:delivery"], ["ü", "🚚"]]) {
      expect(toHex(await hmacSha256(secret!, message!))).toBe(createHmac("sha256", secret!).update(message!, "utf8").digest("hex"));
    }
  });
});
