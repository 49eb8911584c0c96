import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../src/worker/env";

declare global {
  namespace Cloudflare {
    /** `env` of "cloudflare:workers" in tests: the Worker's bindings plus test-only ones. */
    /** Types `exports` of "cloudflare:workers" as the Worker's own module. */
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** Base URL of test/receiver/webhook-receiver.ts, and the secret it verifies with. */
      WEBHOOK_RECEIVER_URL: string;
      WEBHOOK_RECEIVER_SECRET: string;
    }
  }
}
