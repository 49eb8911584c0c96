import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        test: { name: "runtime", include: ["test/runtime/**/*.test.ts"] },
      },
      {
        test: { name: "unit", include: ["test/domain/**/*.test.ts"], environment: "node" },
      },
    ],
  },
});
