import { Hono } from "hono";
import { z } from "zod";
import { EmptyBody } from "../../contracts/common";
import { DeadLetterParams, DeadLettersQuery, OrgSettingsPatch, orgWebhookSettings } from "../../contracts/ops-settings";
import type { AppEnv } from "../app-env";
import { deadLetterView, findDeadLetter, forgetDeadLetter, listDeadLetters } from "../dead-letters";
import { notFound } from "../http-error";
import { allow } from "../middleware/authorize";
import { orgSettingsView, readOrgSettings, saveOrgSettings } from "../org-settings";
import { body, check, params, query } from "../validation";
import { unwrap, zoneStub } from "../zone-client";
import { isRelaxedEnvironment } from "../../domain/environment";

/** The org's ops webhook: where notices go (admin settings) and what it failed to take (dead letters). */
export const opsSettingsRoutes = new Hono<AppEnv>()
  .get("/admin/settings", query(z.strictObject({})), allow("admin"), async (c) => {
    return c.json(orgSettingsView(await readOrgSettings(c.env.DB, c.get("caller").org)));
  })
  .patch("/admin/settings", body(OrgSettingsPatch), allow("admin"), async (c) => {
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
  .get("/admin/webhooks/dead-letters", query(DeadLettersQuery), allow("ops", "admin"), async (c) => {
    const { org } = c.get("caller");
    const rows = await listDeadLetters(c.env.DB, org, c.req.valid("query").limit);
    return c.json({ deadLetters: rows.map(deadLetterView) });
  })
  .post(
    "/admin/webhooks/dead-letters/:id/retry",
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
