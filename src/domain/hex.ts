/*
 * Lower-case hex of bytes, SHA-256 digests and HMAC-SHA256 signatures. Pure: `crypto.subtle` is the Web Crypto global of
 * Workers and of Node alike, nothing here comes from the Cloudflare runtime.
 */

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let hex = "";
  for (const byte of view) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** Hex SHA-256 of a text's UTF-8 bytes, or of the bytes given. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return toHex(await crypto.subtle.digest("SHA-256", bytes));
}

/** HMAC-SHA256 of a text under a text secret (webhook signatures, derived tracking tokens). */
export async function hmacSha256(secret: string, message: string): Promise<ArrayBuffer> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", key, encoder.encode(message));
}
