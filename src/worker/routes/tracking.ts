import { type Context, Hono } from "hono";
import { z } from "zod";
import { MarketplaceRef } from "../../contracts/common";
import { DriverParams } from "../../contracts/drivers";
import { RatingBody, RatingView, TrackingView } from "../../contracts/tracking";
import { ZoneParams } from "../../contracts/zones";
import type { AppEnv } from "../app-env";
import { trackingToken } from "../auth";
import { publicBaseUrl } from "../caller";
import { locate } from "../directory";
import { ApiError, forbidden, notFound, unauthorized } from "../http-error";
import { allow, selfOr } from "../middleware/authorize";
import { trackingUrl } from "../presenters";
import { describe } from "../route-spec";
import { trackedOrder, trackingTokenFor } from "../tracking";
import { body, params, query } from "../validation";
import { type ZoneStub, decide, unwrap, zoneStub } from "../zone-client";
import { requireZone } from "../zone-registry";

const OrderParams = z.strictObject({ orderId: MarketplaceRef });
const TrackingQuery = z.strictObject({ token: z.string().min(1).max(256).optional() });
const SinceQuery = z.strictObject({ since: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional() });
const OrderSocketQuery = TrackingQuery.extend(SinceQuery.shape);

/**
 * Which delivery an order route is about, and whose credentials opened it: the customer's
 * tracking token (no JWT; see createApp) or an org token of service, ops or admin.
 */
async function resolveOrder(c: Context<AppEnv>, orderId: string) {
  const token = trackingToken(c);
  if (token !== undefined) {
    const row = await trackedOrder(c.env.DB, token, orderId);
    if (!row) throw unauthorized("invalid or expired tracking token");
    return { org: row.orgId, zoneId: row.zoneId, deliveryId: row.deliveryId, token, tokenHash: row.tokenHash };
  }
  const caller = c.get("caller");
  if (!caller) throw unauthorized("missing bearer token or tracking token");
  if (caller.role === "driver") throw forbidden("drivers may not read customer tracking");
  const entry = await locate(c.env.DB, caller.org, "order", orderId);
  if (!entry) throw notFound("Order not found");
  return { org: caller.org, zoneId: entry.zoneId, deliveryId: entry.entityId, token: null, tokenHash: null };
}

/** Hands an authenticated upgrade to the zone object with the stream it may read. */
async function connect(
  c: Context<AppEnv>,
  zone: ZoneStub,
  stream: { audience: string; org: string; driver?: string; caller?: string; since?: number },
) {
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "Upgrade Required: this route only accepts WebSocket connections");
  }
  const url = new URL("https://zone.internal/connect");
  url.searchParams.set("audience", stream.audience);
  url.searchParams.set("org", stream.org);
  url.searchParams.set("since", String(stream.since ?? 0));
  if (stream.driver) url.searchParams.set("driver", stream.driver);
  if (stream.caller) url.searchParams.set("caller", stream.caller);
  const answer = await zone.fetch(new Request(url, c.req.raw));
  // The zone counts open sockets per caller and order (docs/security.md).
  if (answer.status === 429) throw new ApiError(429, `Too many open sockets: ${await answer.text()}`);
  return answer;
}

/** Customer tracking (docs/api-notes.md "Sockets and tracking") and every socket (docs/api.md "Sockets"). */
export const trackingRoutes = new Hono<AppEnv>()
  .get("/orders/:orderId/delivery-status", describe({ summary: "What the customer may see of their delivery", tag: "Tracking", answers: { 200: { description: "The tracking view", schema: TrackingView } }, trackingToken: true }), params(OrderParams), query(TrackingQuery), async (c) => {
    const order = await resolveOrder(c, c.req.valid("param").orderId);
    const view = unwrap(await zoneStub(c.env, order.org, order.zoneId).customerStatus(order.org, order.deliveryId, order.tokenHash));
    const { orderId, ...status } = view;
    const token = order.token ?? (await trackingTokenFor(c.env, order.org, order.deliveryId));
    return c.json({ ...status, trackingUrl: trackingUrl(publicBaseUrl(c), orderId, token) });
  })
  .post("/orders/:orderId/rating", describe({ summary: "The customer rates their delivered delivery (once)", tag: "Tracking", answers: { 201: { description: "The rating", schema: RatingView } }, trackingToken: true }), params(OrderParams), query(TrackingQuery), body(RatingBody), async (c) => {
    // Only the customer rates: by tracking token, checked as the tracking reads check it (an
    // org token alone opens nothing here).
    const { token } = c.req.valid("query");
    const order = token === undefined ? null : await trackedOrder(c.env.DB, token, c.req.valid("param").orderId);
    if (!order) throw unauthorized("invalid or expired tracking token");
    const { rating, comment } = c.req.valid("json");
    const zone = zoneStub(c.env, order.orgId, order.zoneId);
    const rated = unwrap(
      await decide(zone, order.orgId, "rateDelivery", { deliveryId: order.deliveryId, tokenHash: order.tokenHash, rating, comment: comment || null }, c.get("traceId")),
    );
    return c.json(rated, 201);
  })
  .get("/orders/:orderId/ws", describe({ summary: "The customer's socket (WebSocket upgrade)", tag: "Sockets", answers: { 101: { description: "Switching to the WebSocket protocol" } }, trackingToken: true }), params(OrderParams), query(OrderSocketQuery), async (c) => {
    const order = await resolveOrder(c, c.req.valid("param").orderId);
    const zone = zoneStub(c.env, order.org, order.zoneId);
    // Checks the token's expiry and that the delivery is there before any socket opens.
    unwrap(await zone.customerStatus(order.org, order.deliveryId, order.tokenHash));
    return connect(c, zone, { audience: `customer:${order.deliveryId}`, org: order.org, since: c.req.valid("query").since });
  })
  .get("/drivers/:id/ws", describe({ summary: "A driver's socket (WebSocket upgrade)", tag: "Sockets", answers: { 101: { description: "Switching to the WebSocket protocol" } } }), params(DriverParams), query(SinceQuery), selfOr("id"), async (c) => {
    const { org } = c.get("caller");
    const { id } = c.req.valid("param");
    const entry = await locate(c.env.DB, org, "driver", id);
    if (!entry) throw notFound("Driver not found");
    return connect(c, zoneStub(c.env, org, entry.zoneId), { audience: `driver:${id}`, org, driver: id, since: c.req.valid("query").since });
  })
  .get("/admin/zones/:zoneId/ws", describe({ summary: "The zone's ops socket (WebSocket upgrade)", tag: "Sockets", answers: { 101: { description: "Switching to the WebSocket protocol" } } }), params(ZoneParams), query(SinceQuery), allow("ops", "admin"), async (c) => {
    const { org, sub } = c.get("caller");
    const zone = await requireZone(c.env.DB, org, c.req.valid("param").zoneId);
    return connect(c, zoneStub(c.env, org, zone.id), { audience: "ops", org, caller: sub, since: c.req.valid("query").since });
  });

