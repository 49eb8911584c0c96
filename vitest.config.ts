import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { TEST_MIGRATIONS: await readD1Migrations("./migrations") } },
          })),
        ],
        test: { name: "runtime", include: ["test/runtime/**/*.test.ts"], setupFiles: ["./test/runtime/setup.ts"] },
      },
      {
        test: { name: "unit", include: ["test/domain/**/*.test.ts"], environment: "node" },
      },
    ],
  },
});
