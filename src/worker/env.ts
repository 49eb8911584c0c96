import type { ZoneDispatcher } from "../durable-objects/zone-dispatcher";
import type { ZoneEnv } from "../durable-objects/zone-env";

/** Bindings and vars of wrangler.toml (`DB`, `ENVIRONMENT` and `LOG_LEVEL` come from `ZoneEnv`, all a zone object reads). */
export interface Env extends ZoneEnv {
  ZONES: DurableObjectNamespace<ZoneDispatcher>;
  /** The built page bundles (dist/web, wrangler.toml [assets]). */
  ASSETS: Fetcher;
  RL_OFFERS: RateLimit;
  RL_WRITES: RateLimit;
  RL_READS: RateLimit;
  RL_TRACKING: RateLimit;
  /** Key of tokens without a `kid` header. */
  JWT_SECRET?: string;
  /** Secret: JSON `{ "<kid>": "<secret>" }` of every other accepted key (key rotation). */
  JWT_KEYS?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
  /** Longest accepted token lifetime, `exp − now`, in seconds (default 30 days). */
  JWT_MAX_TTL_SECONDS?: string;
  PUBLIC_BASE_URL?: string;
  /** Key that tracking tokens are derived with (JWT_SECRET when unset); changing it changes every tracking link. */
  TRACKING_SECRET?: string;
}
