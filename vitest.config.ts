import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { RECEIVER_SECRET, startWebhookReceiver } from "./test/receiver/webhook-receiver";

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                // wrangler.toml is the deployable (production) configuration; tests run as `test`.
                ENVIRONMENT: "test",
                // Only failures: a line per request would bury the test output (request-log.test.ts turns it on).
                LOG_LEVEL: "error",
                JWT_SECRET: "local-dev-secret-do-not-use-in-production",
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
                WEBHOOK_RECEIVER_URL: await startWebhookReceiver(),
                WEBHOOK_RECEIVER_SECRET: RECEIVER_SECRET,
              },
            },
          })),
        ],
        test: { name: "runtime", include: ["test/runtime/**/*.test.ts"], setupFiles: ["./test/runtime/setup.ts"] },
      },
      {
        test: { name: "unit", include: ["test/domain/**/*.test.ts", "test/web/**/*.test.ts", "test/worker/**/*.test.ts"], environment: "node" },
      },
      {
        // Drives the README's own commands (`npm start`) over real HTTP.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
