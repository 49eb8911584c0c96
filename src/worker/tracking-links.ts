import type { Context } from "hono";
import type { AppEnv } from "./app-env";
import { publicBaseUrl } from "./caller";
import { type TrackingLink, trackingUrl } from "./presenters";
import { trackingTokenFor } from "./tracking";

/** The delivery's tracking token and link, derived again for its org's callers. */
export async function trackingLinkOf(c: Context<AppEnv>, delivery: { id: string; orderId: string }): Promise<TrackingLink> {
  const token = await trackingTokenFor(c.env, c.get("caller").org, delivery.id);
  return { trackingToken: token, trackingUrl: trackingUrl(publicBaseUrl(c), delivery.orderId, token) };
}

/**
 * An answer as the idempotency store keeps it: a delivery's tracking token and link blanked
 * (null), so D1 holds no token; `restoreTrackingLink` derives them again on replay.
 */
export function withoutTrackingLink(text: string): string {
  if (!text.includes('"trackingToken"')) return text;
  const answer = JSON.parse(text) as Record<string, unknown>;
  if (typeof answer.trackingToken !== "string") return text;
  return JSON.stringify({ ...answer, trackingToken: null, trackingUrl: null });
}

/** A stored answer with a blanked tracking link gets it back, in the same place. */
export async function restoreTrackingLink(c: Context<AppEnv>, text: string): Promise<string> {
  if (!text.includes('"trackingToken":null')) return text;
  const answer = JSON.parse(text) as Record<string, unknown>;
  if (typeof answer.id !== "string" || typeof answer.orderId !== "string") return text;
  return JSON.stringify({ ...answer, ...(await trackingLinkOf(c, { id: answer.id, orderId: answer.orderId })) });
}
