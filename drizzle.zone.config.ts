import { defineConfig } from "drizzle-kit";

/** Migrations of the ZoneDispatcher's own SQLite, bundled into the Worker (see wrangler.toml rules). */
export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./src/db/zone-schema.ts",
  out: "./src/db/zone-migrations",
});
