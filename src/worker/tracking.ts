import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { trackingTokens } from "../db/d1-schema";
import { sha256Hex } from "../domain/hex";

/** URL-safe, unguessable (256 bits) secret of one delivery's customer. */
export function newTrackingToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Tokens are stored hashed: a read of D1 alone does not open anyone's tracking. */
export async function hashTrackingToken(token: string): Promise<string> {
  return sha256Hex(token);
}

export async function forgetTrackingToken(db: D1Database, tokenHash: string): Promise<void> {
  await drizzle(db).delete(trackingTokens).where(eq(trackingTokens.tokenHash, tokenHash));
}

/** The order a tracking token opens, if it opens this one. */
export async function trackedOrder(db: D1Database, token: string, orderId: string) {
  if (token.length > 128) return null;
  const row = await drizzle(db)
    .select()
    .from(trackingTokens)
    .where(eq(trackingTokens.tokenHash, await hashTrackingToken(token)))
    .get();
  return row && row.orderId === orderId ? row : null;
}
