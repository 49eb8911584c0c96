import { z } from "zod";
import { Coordinates, Uuid } from "./common";

/** Why a matching round found nobody (docs/api-notes.md "Escalation and ops"). */
export const FailureReason = z.enum([
  "no_available_drivers",
  "all_drivers_busy",
  "distance_exceeded",
  "zone_empty",
  "offers_exhausted",
]);
export type FailureReason = z.infer<typeof FailureReason>;

export const EscalationStatus = z.enum(["PENDING", "NOTIFIED", "REASSIGNED", "CANCELLED"]);
export type EscalationStatus = z.infer<typeof EscalationStatus>;

/** A list's page size: 1–500, 100 when absent. */
export const ListLimit = z.coerce.number().int().min(1).max(500).default(100);

export const UnassignedOrdersQuery = z.strictObject({
  zoneId: Uuid.optional(),
  // Level 0 is "recorded, not escalated", 1–3 the ladder's rungs. An enum, not a coerced number:
  // `?escalationLevel=` would otherwise coerce to level 0.
  escalationLevel: z.enum(["0", "1", "2", "3"]).transform(Number).optional(),
  status: EscalationStatus.optional(),
  limit: ListLimit,
});
export type UnassignedOrdersQuery = z.infer<typeof UnassignedOrdersQuery>;

/** `:id` of an unassigned record or a support ticket. */
export const RecordParams = z.strictObject({ id: Uuid });

export const EscalateBody = z.strictObject({
  level: z.number().int().min(1).max(3),
  reason: z.string().trim().min(1).max(500),
  notes: z.string().trim().max(2000).optional(),
});
export type EscalateBody = z.infer<typeof EscalateBody>;

/** One unassigned record (seed 001 "GET /v2/admin/unassigned-orders"). */
export const UnassignedOrderView = z.object({
  id: Uuid,
  deliveryId: Uuid,
  sellerOrderId: z.string(),
  location: Coordinates,
  failureReason: z.string(),
  firstAttemptAt: z.string(),
  lastAttemptAt: z.string(),
  attemptCount: z.number().int(),
  escalationLevel: z.number().int(),
  escalationStatus: EscalationStatus,
  supportTicketId: Uuid.optional(),
});
export type UnassignedOrderView = z.infer<typeof UnassignedOrderView>;

export const UnassignedOrdersResponse = z.object({
  orders: z.array(UnassignedOrderView),
  summary: z.object({
    total: z.number().int(),
    byEscalationLevel: z.record(z.string(), z.number().int()),
    byFailureReason: z.record(z.string(), z.number().int()),
  }),
});
export type UnassignedOrdersResponse = z.infer<typeof UnassignedOrdersResponse>;

export const TicketStatus = z.enum(["OPEN", "RESOLVED"]);
export type TicketStatus = z.infer<typeof TicketStatus>;

export const SupportTicketsQuery = z.strictObject({
  status: TicketStatus.optional(),
  zoneId: Uuid.optional(),
  limit: ListLimit,
});
export type SupportTicketsQuery = z.infer<typeof SupportTicketsQuery>;

export const ResolveTicketBody = z.strictObject({ resolution: z.string().trim().min(1).max(2000).optional() });

export const SupportTicketView = z.object({
  id: Uuid,
  deliveryId: Uuid,
  sellerOrderId: z.string(),
  zoneId: Uuid,
  priority: z.string(),
  title: z.string(),
  description: z.string(),
  status: TicketStatus,
  createdAt: z.string(),
  resolvedAt: z.string().optional(),
  resolvedBy: Uuid.optional(),
  resolution: z.string().optional(),
});
export type SupportTicketView = z.infer<typeof SupportTicketView>;
