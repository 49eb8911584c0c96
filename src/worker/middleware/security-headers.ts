import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";

/** docs/api-notes.md "Conventions": an API that never renders HTML still denies framing, sniffing and caching. */
const SECURITY_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "X-XSS-Protection": "1; mode=block",
  "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
} satisfies Record<string, string>;

/**
 * The pages load only their own scripts, styles and sockets (CSP `'self'` covers same-origin
 * ws/wss), never frame or are framed, and send no referrer: the tracking token is in the URL.
 */
const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const isHtml = (res: Response) => res.headers.get("Content-Type")?.startsWith("text/html") ?? false;

/** Headers that advertise the stack to an attacker. */
const REVEALING_HEADERS = ["Server", "X-Powered-By"];

/**
 * A 101 carries a live WebSocket; re-wrapping it to touch headers could drop the socket,
 * so the edge leaves such responses exactly as the handler made them.
 */
export const isSocketUpgrade = (res: Response): boolean => res.status === 101 || res.webSocket != null;

/** Runs after everything else (errors and 404s included) because it mutates the final response. */
export const securityHeaders = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (isSocketUpgrade(c.res)) return;
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
  if (isHtml(c.res)) c.header("Content-Security-Policy", PAGE_CSP);
  for (const name of REVEALING_HEADERS) c.header(name, undefined);
});
