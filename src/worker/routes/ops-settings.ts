import { Hono } from "hono";
import { z } from "zod";
import { EmptyBody } from "../../contracts/common";
import { DeadLetterParams, DeadLetterView, DeadLettersQuery, OrgSettingsPatch, OrgSettingsView, orgWebhookSettings } from "../../contracts/ops-settings";
import { isRelaxedEnvironment } from "../../domain/environment";
import type { AppEnv } from "../app-env";
import { deadLetterView, findDeadLetter, forgetDeadLetter, listDeadLetters } from "../dead-letters";
import { notFound } from "../http-error";
import { allow } from "../middleware/authorize";
import { orgSettingsView, readOrgSettings, saveOrgSettings } from "../org-settings";
import { describe } from "../route-spec";
import { body, check, params, query } from "../validation";
import { unwrap, zoneStub } from "../zone-client";

/** The org's ops webhook: where notices go (admin settings) and what it failed to take (dead letters). */
export const opsSettingsRoutes = new Hono<AppEnv>()
  .get("/admin/settings", describe({ summary: "Read the organization's ops settings", tag: "Settings", answers: { 200: { description: "The settings (the webhook secret is never shown)", schema: OrgSettingsView } } }), query(z.strictObject({})), allow("admin"), async (c) => {
    return c.json(orgSettingsView(await readOrgSettings(c.env.DB, c.get("caller").org)));
  })
  .patch("/admin/settings", describe({ summary: "Change the ops webhook and thresholds", tag: "Settings", answers: { 200: { description: "The settings", schema: OrgSettingsView } } }), body(OrgSettingsPatch), allow("admin"), async (c) => {
    const { org } = c.get("caller");
    const stored = await readOrgSettings(c.env.DB, org);
    const merged = {
      opsWebhookUrl: stored?.opsWebhookUrl ?? null,
      opsWebhookSecret: stored?.opsWebhookSecret ?? null,
      ...c.req.valid("json"),
    };
    // The patch is valid on its own; merged with what is stored it must still be, for this environment.
    const settings = check(orgWebhookSettings(!isRelaxedEnvironment(c.env.ENVIRONMENT)), merged, "body");
    return c.json(orgSettingsView(await saveOrgSettings(c.env.DB, org, settings, new Date().toISOString())));
  })
  .get("/admin/webhooks/dead-letters", describe({ summary: "Ops notices that failed 8 times", tag: "Settings", answers: { 200: { description: "`{ deadLetters }`", schema: z.object({ deadLetters: z.array(DeadLetterView) }) } } }), query(DeadLettersQuery), allow("ops", "admin"), async (c) => {
    const { org } = c.get("caller");
    const rows = await listDeadLetters(c.env.DB, org, c.req.valid("query").limit);
    return c.json({ deadLetters: rows.map(deadLetterView) });
  })
  .post(
    "/admin/webhooks/dead-letters/:id/retry",
    describe({ summary: "Send a dead-lettered notice again", tag: "Settings", answers: { 200: { description: "`{ success, id, requeuedAt }`" } } }),
    params(DeadLetterParams),
    body(EmptyBody),
    allow("ops", "admin"),
    async (c) => {
      const { org } = c.get("caller");
      const { id } = c.req.valid("param");
      const letter = await findDeadLetter(c.env.DB, org, id);
      if (!letter) throw notFound("Dead letter not found");
      unwrap(await zoneStub(c.env, org, letter.zoneId).requeueWebhook(org, letter.notice));
      const requeuedAt = new Date().toISOString();
      await forgetDeadLetter(c.env.DB, org, letter);
      return c.json({ success: true, id, requeuedAt });
    },
  );
