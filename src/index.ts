import { createApp } from "./worker/app";
import type { Env } from "./worker/env";
import { routes } from "./worker/routes";
import { pageRoutes } from "./worker/routes/pages";

export { ZoneDispatcher } from "./durable-objects/zone-dispatcher";

const app = createApp(routes, pageRoutes);

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
