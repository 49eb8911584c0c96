import { createApp } from "./worker/app";
import type { Env } from "./worker/env";
import { routes } from "./worker/routes";

export { ZoneDispatcher } from "./durable-objects/zone-dispatcher";

const app = createApp(routes);

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
