import { z } from "zod";

/** The seed's zone health figures (docs/api.md "Zone health" has each formula). */
export const HealthFigures = z.object({
  /** Drivers `available` or `busy`. */
  currentDriversOnline: z.number().int().min(0),
  minDriversRequired: z.number().int().min(0),
  /** Mean creation → first assignment over the last 60 minutes' deliveries, waiting ones so far. */
  avgWaitTimeSeconds: z.number().int().min(0),
  targetWaitTimeSeconds: z.number().int().min(0),
  /** 1 (nothing waiting) … 10 (nothing waiting has an available driver). */
  demandLevel: z.number().int().min(1).max(10),
  healthScore: z.number().int().min(0).max(100),
});
export type HealthFigures = z.infer<typeof HealthFigures>;

export const ZoneAlertKind = z.enum(["low_health", "high_unassigned"]);
export type ZoneAlertKind = z.infer<typeof ZoneAlertKind>;

/** An alert raised and not yet cleared. */
export const ActiveAlert = z.object({
  alert: ZoneAlertKind,
  /** The figure when it was raised (healthScore, or the unassigned count). */
  value: z.number(),
  threshold: z.number(),
  raisedAt: z.string(),
});
export type ActiveAlert = z.infer<typeof ActiveAlert>;
