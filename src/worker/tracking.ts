import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { trackingTokens } from "../db/d1-schema";
import { hmacSha256, sha256Hex } from "../domain/hex";
import type { Env } from "./env";

/*
 * A delivery's tracking token is derived, not stored: HMAC-SHA256 of the org and delivery ids
 * under TRACKING_SECRET (JWT_SECRET when unset). Only its SHA-256 hash is kept (D1 and the zone),
 * yet ops can read the link again later and an idempotent replay can rebuild it.
 */

const base64url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** The URL-safe, unguessable (256-bit) secret of one delivery's customer. */
export async function trackingTokenFor(env: Env, orgId: string, deliveryId: string): Promise<string> {
  const secret = env.TRACKING_SECRET || env.JWT_SECRET;
  if (!secret) throw new Error("no TRACKING_SECRET or JWT_SECRET to derive tracking tokens");
  return base64url(await hmacSha256(secret, `tracking:v1:${orgId}:${deliveryId}`));
}

/** Tokens are stored hashed: a read of D1 or of a zone's storage alone opens nobody's tracking. */
export async function hashTrackingToken(token: string): Promise<string> {
  return sha256Hex(token);
}

export async function forgetTrackingToken(db: D1Database, tokenHash: string): Promise<void> {
  await drizzle(db).delete(trackingTokens).where(eq(trackingTokens.tokenHash, tokenHash));
}

/** The order a tracking token opens, if it opens this one, with the token's hash. */
export async function trackedOrder(db: D1Database, token: string, orderId: string) {
  if (token.length > 128) return null;
  const tokenHash = await hashTrackingToken(token);
  const row = await drizzle(db).select().from(trackingTokens).where(eq(trackingTokens.tokenHash, tokenHash)).get();
  return row && row.orderId === orderId ? { ...row, tokenHash } : null;
}
