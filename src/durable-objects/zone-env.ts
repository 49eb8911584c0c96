import type { DeliveryWebhookPolicyVars } from "../domain/delivery-webhook-policy";

/** The bindings a zone's Durable Object reads (a subset of the Worker's `Env`, src/worker/env.ts). */
export interface ZoneEnv extends DeliveryWebhookPolicyVars {
  DB: D1Database;
  ENVIRONMENT?: string;
  /** Test-only: share of outbox writes to D1 to fail (0–1); ignored unless ENVIRONMENT is relaxed. */
  FAULT_D1_WRITE_FAILURE_RATE?: string;
  /** `error` logs only failed requests and decisions; anything else (or nothing) logs every one. */
  LOG_LEVEL?: string;
}
