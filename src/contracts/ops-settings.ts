import { z } from "zod";
import { webhookTargetProblem } from "../domain/webhook-target";
import { Uuid } from "./common";
import { ListLimit } from "./escalation";

/** A webhook URL a sender would POST to (ops webhook, delivery subscriptions), judged as in production or outside it. */
export const webhookUrl = (production: boolean) =>
  z
    .string()
    .max(2048)
    .superRefine((url, ctx) => {
      const problem = webhookTargetProblem(url, { production });
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

/** `null` clears a value; an absent field keeps what is stored. */
export const OrgSettingsPatch = z.strictObject({
  opsWebhookUrl: webhookUrl(false).nullable().optional(),
  opsWebhookSecret: z.string().min(16).max(256).nullable().optional(),
});
export type OrgSettingsPatch = z.infer<typeof OrgSettingsPatch>;

/**
 * The webhook settings as they would be stored after a patch: a URL needs a secret to sign with,
 * and in production a public https target (src/domain/webhook-target.ts).
 */
export const orgWebhookSettings = (production: boolean) =>
  z
    .object({ opsWebhookUrl: webhookUrl(production).nullable(), opsWebhookSecret: z.string().nullable() })
    .refine((s) => s.opsWebhookUrl === null || s.opsWebhookSecret !== null, {
      path: ["opsWebhookSecret"],
      message: "a webhook URL needs a secret to sign with",
    });

/** What admins see: never the secret, only whether one is set. */
export const OrgSettingsView = z.object({
  opsWebhookUrl: z.string().nullable(),
  opsWebhookSecretSet: z.boolean(),
  /** null until the org's settings are first saved. */
  updatedAt: z.string().nullable(),
});
export type OrgSettingsView = z.infer<typeof OrgSettingsView>;

export const DeadLettersQuery = z.strictObject({ limit: ListLimit });

export const DeadLetterParams = z.strictObject({ id: Uuid });

/** An ops notice the webhook refused every attempt; `payload` is the notice as it was sent. */
export const DeadLetterView = z.object({
  id: Uuid,
  eventType: z.string(),
  zoneId: Uuid,
  payload: z.record(z.string(), z.unknown()),
  attempts: z.number().int(),
  lastError: z.string(),
  firstAttemptAt: z.string(),
  failedAt: z.string(),
});
export type DeadLetterView = z.infer<typeof DeadLetterView>;
