import { Hono } from "hono";
import { except } from "hono/combine";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";
import { assertSecretConfigured, requireAuth, trackingToken } from "./auth";
import { notFoundHandler, onError } from "./http-error";
import { idempotency } from "./middleware/idempotency";
import { rateLimit } from "./middleware/rate-limit";
import { requestId } from "./middleware/request-id";
import { requestLog } from "./middleware/request-log";
import { securityHeaders } from "./middleware/security-headers";
import { asyncApiDocument } from "./asyncapi";
import { openApiDocument } from "./openapi";

/** A deploy without a real secret answers every request with a 500 (docs/security.md). */
const secretConfigured = createMiddleware<AppEnv>(async (c, next) => {
  await assertSecretConfigured(c.env);
  await next();
});

/**
 * The edge pipeline around the API routes (paths relative to `/v2`):
 * request id → request log and trace → security headers → secret check → health and the OpenAPI document → auth → rate
 * limit → idempotency.
 * The pages (`/track/:orderId`, `/console`) sit outside `/v2`: no JWT, they call the API themselves.
 *
 * Tracking-token reads (`GET /v2/orders/:orderId/delivery-status` and `.../ws` with `?token=`
 * and no Authorization header, see `trackingToken`) skip `requireAuth`: no `caller` is set and
 * the route must verify `trackingToken(c)` itself. They are rate limited per token.
 */
export function createApp(routes: Hono<AppEnv>, pages?: Hono<AppEnv>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", requestId, requestLog, securityHeaders, secretConfigured);
  app.get("/v2/health", (c) => c.json({ status: "ok", time: new Date().toISOString() }));
  // The reference is public, like the health check: it says nothing a client could not try.
  let reference: ReturnType<typeof openApiDocument> | undefined;
  app.get("/v2/openapi.json", (c) => c.json((reference ??= openApiDocument(routes))));
  app.get("/v2/asyncapi.json", (c) => c.json(asyncApiDocument()));
  app.use("/v2/*", except((c) => trackingToken(c) !== undefined, requireAuth), rateLimit, idempotency);
  app.route("/v2", routes);
  if (pages) app.route("/", pages);
  app.onError(onError);
  app.notFound(notFoundHandler);
  return app;
}
