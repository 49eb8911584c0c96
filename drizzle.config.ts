import { defineConfig } from "drizzle-kit";

/** D1 migrations, applied by wrangler (`npm start`, deploy) and by the runtime tests. */
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/d1-schema.ts",
  out: "./migrations",
});
