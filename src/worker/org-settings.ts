import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { OrgSettingsView } from "../contracts/ops-settings";
import { orgSettings } from "../db/d1-schema";

/** An org's settings row in D1 (PATCH /v2/admin/settings); an org without one has no webhook. */

type SettingsRow = typeof orgSettings.$inferSelect;
export type WebhookSettings = Pick<SettingsRow, "opsWebhookUrl" | "opsWebhookSecret">;

export async function readOrgSettings(db: D1Database, orgId: string): Promise<SettingsRow | null> {
  return (await drizzle(db).select().from(orgSettings).where(eq(orgSettings.orgId, orgId)).get()) ?? null;
}

/**
 * Stores the whole validated state, not just the patch: of two concurrent patches the last one
 * wins as a consistent pair (never a URL without its secret).
 */
export async function saveOrgSettings(db: D1Database, orgId: string, settings: WebhookSettings, now: string): Promise<SettingsRow> {
  const row = { orgId, ...settings, updatedAt: now };
  await drizzle(db).insert(orgSettings).values(row).onConflictDoUpdate({ target: orgSettings.orgId, set: row });
  return row;
}

export function orgSettingsView(row: SettingsRow | null): OrgSettingsView {
  return {
    opsWebhookUrl: row?.opsWebhookUrl ?? null,
    opsWebhookSecretSet: Boolean(row?.opsWebhookSecret),
    updatedAt: row?.updatedAt ?? null,
  };
}
