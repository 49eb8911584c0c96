import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../app-env";
import { metricFamilies } from "../metrics-exposition";
import { allow } from "../middleware/authorize";
import { zoneIdsOf } from "../org-zones";
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from "../prometheus-text";
import { describe } from "../route-spec";
import { query } from "../validation";
import { unwrap, zoneStub } from "../zone-client";

/**
 * The org's Prometheus scrape: every zone answers a small snapshot from memory, all zones at
 * once (one round of RPC calls however many zones), and the families are rendered together.
 */
export const metricsRoutes = new Hono<AppEnv>().get(
  "/admin/metrics",
  describe({
    summary: "Prometheus metrics of the organization's zones",
    tag: "Metrics",
    answers: { 200: { description: "Prometheus text exposition 0.0.4 (docs/api.md \"Metrics\")", mediaType: "text/plain" } },
  }),
  query(z.strictObject({})),
  allow("ops", "admin"),
  async (c) => {
    const { org } = c.get("caller");
    const zoneIds = await zoneIdsOf(c.env.DB, org);
    const snapshots = await Promise.all(zoneIds.map(async (id) => unwrap(await zoneStub(c.env, org, id).metricsSnapshot(org))));
    return c.body(prometheusText(metricFamilies(snapshots)), 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
  },
);
