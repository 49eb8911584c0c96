import type { ZoneDispatcher } from "../durable-objects/zone-dispatcher";

/** Bindings and vars of wrangler.toml. */
export interface Env {
  DB: D1Database;
  ZONES: DurableObjectNamespace<ZoneDispatcher>;
  RL_OFFERS: RateLimit;
  RL_WRITES: RateLimit;
  RL_READS: RateLimit;
  RL_TRACKING: RateLimit;
  ENVIRONMENT?: string;
  JWT_SECRET?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  PUBLIC_BASE_URL?: string;
}
