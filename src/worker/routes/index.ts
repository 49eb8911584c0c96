import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { availabilityRoutes } from "./availability";
import { deliveryWebhookRoutes } from "./delivery-webhooks";
import { deliveryRoutes } from "./deliveries";
import { driverRoutes } from "./drivers";
import { escalationRoutes } from "./escalation";
import { metricsRoutes } from "./metrics";
import { offerRoutes } from "./offers";
import { opsSettingsRoutes } from "./ops-settings";
import { reportRoutes } from "./reports";
import { trackingRoutes } from "./tracking";
import { zoneRoutes } from "./zones";

/** Every API route, relative to `/v2` (see createApp for the pipeline around them). */
export const routes = new Hono<AppEnv>()
  .route("/", zoneRoutes)
  .route("/", driverRoutes)
  .route("/", availabilityRoutes)
  .route("/", deliveryRoutes)
  .route("/", offerRoutes)
  .route("/", trackingRoutes)
  .route("/", escalationRoutes)
  .route("/", opsSettingsRoutes)
  .route("/", deliveryWebhookRoutes)
  .route("/", metricsRoutes)
  .route("/", reportRoutes);
