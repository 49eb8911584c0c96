import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { trackingToken } from "../auth";
import { tooManyRequests } from "../http-error";

/** Every RL_* binding in wrangler.toml counts in fixed 60 s windows. */
const WINDOW_MS = 60_000;

/** Seconds until the current fixed window ends: when a retry can first succeed (1–60). */
const retryAfterSeconds = (nowMs: number = Date.now()): number =>
  Math.ceil((WINDOW_MS - (nowMs % WINDOW_MS)) / 1000);

async function enforce(limiter: RateLimit, key: string): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success) throw tooManyRequests(retryAfterSeconds());
}

const MANUAL_OFFER_ROUTE = /^\/v2\/deliveries\/[^/]+\/offers$/;

/** docs/api.md "Rate limits": manual offers have their own small budget; reads and writes share theirs. */
function limiterFor(c: Context<AppEnv>): RateLimit {
  const { method, path } = c.req;
  if (method === "GET" || method === "HEAD") return c.env.RL_READS;
  if (method === "POST" && MANUAL_OFFER_ROUTE.test(path)) return c.env.RL_OFFERS;
  return c.env.RL_WRITES;
}

const ORDER_ROUTE = /^\/v2\/orders\/([^/]+)\//;

/**
 * A tracking read is counted per order and client address, never per token presented: keyed by
 * the token, an attacker rotating made-up tokens would get a fresh budget with each one (and the
 * real token would sit in the limiter's keys).
 */
function trackingKey(c: Context<AppEnv>): string {
  const orderId = ORDER_ROUTE.exec(c.req.path)?.[1] ?? "";
  return `${orderId}|${c.req.header("CF-Connecting-IP") ?? "unknown"}`;
}

/**
 * Limits, after auth. A caller's buckets are its org's and its own (`sub` values are only unique
 * within an org). A request that authenticates by tracking token has no caller, so it is counted
 * on RL_TRACKING here; tracking routes need not count it again.
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  if (trackingToken(c) !== undefined) await enforce(c.env.RL_TRACKING, trackingKey(c));
  else {
    const { org, sub } = c.get("caller");
    await enforce(limiterFor(c), `${org}|${sub}`);
  }
  await next();
});
