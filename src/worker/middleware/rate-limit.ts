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

/** API.md "Rate limits": manual offers have their own small budget; reads and writes share theirs. */
function limiterFor(c: Context<AppEnv>): RateLimit {
  const { method, path } = c.req;
  if (method === "GET" || method === "HEAD") return c.env.RL_READS;
  if (method === "POST" && MANUAL_OFFER_ROUTE.test(path)) return c.env.RL_OFFERS;
  return c.env.RL_WRITES;
}

/** Counts one tracking read against RL_TRACKING under `key` (the tracking token); 429 when spent. */
const limitTracking = (c: Context<AppEnv>, key: string): Promise<void> => enforce(c.env.RL_TRACKING, key);

/**
 * Per-caller limits, after auth. A request that authenticates by tracking token has no caller,
 * so it is counted per token on RL_TRACKING here; tracking routes need not count it again.
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const token = trackingToken(c);
  if (token !== undefined) await limitTracking(c, token);
  else await enforce(limiterFor(c), c.get("caller").sub);
  await next();
});
