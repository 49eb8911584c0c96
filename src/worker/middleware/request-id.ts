import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { isSocketUpgrade } from "./security-headers";

/** Only ids that are safe to log and echo; anything else is replaced rather than trusted. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const requestIdOf = (header: string | undefined): string =>
  header !== undefined && SANE_REQUEST_ID.test(header) ? header : crypto.randomUUID();

/** Correlates a client's call with our logs: echoed or generated, on every answer. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const id = requestIdOf(c.req.header("X-Request-Id"));
  c.set("requestId", id);
  await next();
  if (!isSocketUpgrade(c.res)) c.header("X-Request-Id", id);
});
