import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import { toHex } from "../../domain/hex";
import { isLogged } from "../../domain/log-level";
import { traceContextOf } from "../../domain/trace-context";
import type { AppEnv } from "../app-env";
import { isSocketUpgrade } from "./security-headers";

/*
 * One JSON line per request on stdout: who (org, role), what (method, route pattern), how it
 * went (status, duration), and the ids to follow it by (requestId, traceId). Only ids and the
 * route pattern are logged, never a path with its parameters or query (tokens travel there),
 * never a body. `LOG_LEVEL=error` keeps only the failures.
 */

const randomHex = (bytes: number) => toHex(crypto.getRandomValues(new Uint8Array(bytes)));

/** The route pattern that answered (`/v2/drivers/:id`), not the path with its values. */
const routeOf = (c: Context<AppEnv>) =>
  [...matchedRoutes(c)].reverse().find((route) => route.method !== "ALL")?.path ?? "unmatched";

export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const startedAt = Date.now();
  const trace = traceContextOf(c.req.header("traceparent"), { traceId: randomHex(16), spanId: randomHex(8) });
  c.set("traceId", trace.traceId);
  await next();
  if (!isSocketUpgrade(c.res)) c.header("traceparent", trace.traceparent);
  const status = c.res.status;
  const level = status >= 500 ? "error" : "info";
  if (!isLogged(level, c.env.LOG_LEVEL)) return;
  const caller = c.get("caller");
  console.log(
    JSON.stringify({
      level,
      msg: "request",
      requestId: c.get("requestId"),
      traceId: trace.traceId,
      ...(caller ? { orgId: caller.org, role: caller.role } : {}),
      method: c.req.method,
      route: routeOf(c),
      status,
      durationMs: Date.now() - startedAt,
    }),
  );
});
