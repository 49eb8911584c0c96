import { applyD1Migrations, listDurableObjectIds } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll } from "vitest";

// Runs before every test file; applyD1Migrations skips migrations already applied.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// Let every zone finish sending its outbox before the file's runtime closes, so no flush alarm
// is cut off mid-RPC at teardown.
afterAll(async () => {
  const ids = await listDurableObjectIds(env.ZONES);
  await Promise.all(ids.map((id) => env.ZONES.get(id).flushOutbox()));
});
