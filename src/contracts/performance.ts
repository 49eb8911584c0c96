import { z } from "zod";
import { Uuid } from "./common";

/** A driver's scorecard period: the zone's calendar day, its ISO week (Monday start), or all time. */
export const PerformancePeriod = z.enum(["day", "week", "all"]);
export type PerformancePeriod = z.infer<typeof PerformancePeriod>;

export const PerformanceQuery = z.strictObject({ period: PerformancePeriod.default("all") });

/** The figures of a driver's performance (docs/api.md "Driver performance"); null where nothing is there to divide. */
export const PerformanceMetrics = z.object({
  deliveriesCompleted: z.number().int().min(0),
  acceptanceRate: z.number().min(0).max(1).nullable(),
  onTimeRate: z.number().min(0).max(1).nullable(),
  customerRating: z.number().min(1).max(5).nullable(),
  avgResponseTimeMs: z.number().int().min(0).nullable(),
  totalEarnings: z.number().min(0),
});
export type PerformanceMetrics = z.infer<typeof PerformanceMetrics>;

/** GET /v2/drivers/:id/performance. */
export const DriverPerformanceView = z.object({
  driverId: Uuid,
  driverName: z.string(),
  period: PerformancePeriod,
  /** The period's first instant; for `all`, when the driver was created. */
  from: z.string(),
  /** The instant after the period (exclusive); for `all`, now. */
  to: z.string(),
  metrics: PerformanceMetrics,
  /** The zone's currency, the one totalEarnings is in. */
  currency: z.string(),
});
export type DriverPerformanceView = z.infer<typeof DriverPerformanceView>;
