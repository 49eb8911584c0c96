import type { Context } from "hono";
import type { Actor } from "../domain/model";
import type { AppEnv, Caller } from "./app-env";

/** How a caller appears in audit and history: ops and admins both act as `admin`. */
export function actorOf(caller: Caller): Actor {
  const type = caller.role === "ops" ? "admin" : caller.role;
  return { type, id: caller.sub };
}

/** Base of customer-facing links: PUBLIC_BASE_URL when set, else this request's origin. */
export function publicBaseUrl(c: Context<AppEnv>): string {
  return c.env.PUBLIC_BASE_URL || new URL(c.req.url).origin;
}
