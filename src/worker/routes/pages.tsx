import type { Context } from "hono";
import { Hono } from "hono";
import { MarketplaceRef } from "../../contracts/common";
import { TrackingView } from "../../contracts/tracking";
import { ConsolePage } from "../../web/pages/console-page";
import { DocsPage } from "../../web/pages/docs-page";
import { InvalidLinkPage, TrackingPage } from "../../web/pages/tracking-page";
import type { AppEnv } from "../app-env";
import { publicBaseUrl } from "../caller";
import { tooManyRequests } from "../http-error";
import { pageAssets } from "../page-assets";
import { trackingUrl } from "../presenters";
import { trackedOrder } from "../tracking";
import { zoneStub } from "../zone-client";

/** Tracking reads share one budget per order and client address, page views included. */
async function countTrackingRead(c: Context<AppEnv>, orderId: string): Promise<void> {
  const { success } = await c.env.RL_TRACKING.limit({ key: `${orderId}|${c.req.header("CF-Connecting-IP") ?? "unknown"}` });
  if (!success) throw tooManyRequests(60);
}

/**
 * The customer's view for the page, or null whenever the link does not open an order: an
 * unknown order, a wrong or expired token and a malformed id all look the same.
 */
async function openedView(c: Context<AppEnv>, orderId: string, token: string): Promise<TrackingView | null> {
  if (!MarketplaceRef.safeParse(orderId).success || token === "") return null;
  const order = await trackedOrder(c.env.DB, token, orderId);
  if (!order) return null;
  const answer = await zoneStub(c.env, order.orgId, order.zoneId).customerStatus(order.orgId, order.deliveryId, order.tokenHash);
  if (!answer.ok) return null;
  const { orderId: _order, ...view } = answer.value;
  return { ...view, trackingUrl: trackingUrl(publicBaseUrl(c), orderId, token) };
}

/** The pages (docs/api-notes.md "Pages", "API documentation"), outside /v2: HTML, no JWT; they call the public API themselves. */
export const pageRoutes = new Hono<AppEnv>()
  .get("/track/:orderId", async (c) => {
    const orderId = c.req.param("orderId");
    const token = c.req.query("token") ?? "";
    await countTrackingRead(c, orderId);
    const view = await openedView(c, orderId, token);
    if (!view) return c.html(<InvalidLinkPage assets={await pageAssets(c.env, null)} />, 401);
    return c.html(<TrackingPage data={{ orderId, token, view, now: Date.now() }} assets={await pageAssets(c.env, "tracking")} />);
  })
  .get("/console", async (c) => c.html(<ConsolePage assets={await pageAssets(c.env, "console")} />))
  .get("/docs", async (c) => c.html(<DocsPage assets={await pageAssets(c.env, "docs")} />));
