import { z } from "zod";
import { Uuid } from "./common";
import { FailureReason } from "./escalation";

/**
 * The ops reports' window (docs/api.md "Reports"): ISO instants, `[from, to)`. Absent `to` is now,
 * absent `from` is 24 h before `to`; the span is checked by domain/report-window.ts.
 */
export const ReportQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  zoneId: Uuid.optional(),
});
export type ReportQuery = z.infer<typeof ReportQuery>;

const Count = z.number().int().min(0);
const Money = z.number().min(0);

/** GET /v2/admin/reports/earnings: drivers' pay recorded on `delivered`, from D1's delivery_costs. */
export const EarningsReport = z.object({
  from: z.string(),
  to: z.string(),
  /** The one currency every payment in the window is in; null when there is none. */
  currency: z.string().nullable(),
  totals: z.object({ deliveries: Count, earnings: Money }),
  drivers: z.array(
    z.object({
      driverId: Uuid,
      /** The driver's current name; null only if no zone of the org holds the driver any more. */
      driverName: z.string().nullable(),
      deliveries: Count,
      earnings: Money,
    }),
  ),
});
export type EarningsReport = z.infer<typeof EarningsReport>;

/** Seconds, or null when no delivery was assigned in the window. */
const Seconds = z.number().min(0).nullable();

/** GET /v2/admin/reports/dispatch: counts from D1's audit log and unassigned_orders. */
export const DispatchReport = z.object({
  from: z.string(),
  to: z.string(),
  deliveries: z.object({ created: Count, assigned: Count, delivered: Count, failed: Count, cancelled: Count, unassigned: Count }),
  offers: z.object({ created: Count, accepted: Count, rejected: Count, expired: Count, cancelled: Count }),
  acceptanceRate: z.number().min(0).max(1).nullable(),
  assignmentWaitSeconds: z.object({ p50: Seconds, p90: Seconds, p99: Seconds }),
  unassignedByFailureReason: z.record(FailureReason, Count),
});
export type DispatchReport = z.infer<typeof DispatchReport>;
