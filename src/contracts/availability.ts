import { z } from "zod";

export const TakeBreakBody = z.strictObject({
  durationMinutes: z.number().int().min(1).max(240),
  reason: z.string().trim().min(1).max(255).optional(),
});
export type TakeBreakBody = z.infer<typeof TakeBreakBody>;

/** Optional free-text reason on end-shift / resume / pause / unpause. */
export const ReasonBody = z.strictObject({ reason: z.string().trim().min(1).max(255).optional() });

export const HistoryQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
