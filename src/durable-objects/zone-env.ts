/** The bindings a zone's Durable Object reads (a subset of the Worker's `Env`, src/worker/env.ts). */
export interface ZoneEnv {
  DB: D1Database;
  ENVIRONMENT?: string;
}
