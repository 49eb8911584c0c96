import { z } from "zod";
import { ActorType } from "./common";

export const AuditEventType = z.enum([
  "created",
  "assignment_started",
  "driver_candidates_found",
  "offer_created",
  "offer_accepted",
  "offer_rejected",
  "offer_expired",
  "offer_cancelled",
  "driver_assigned",
  "assignment_reassigned",
  "pickup_completed",
  "delivery_started",
  "delivery_completed",
  "delivery_failed",
  "delivery_cancelled",
  "escalation_triggered",
  "escalation_critical",
  /** The customer rated the delivered delivery (details: rating, comment, driverId). */
  "delivery_rated",
]);
export type AuditEventType = z.infer<typeof AuditEventType>;

/** One audit event (seed 001 "Audit Trail API"). */
const AuditEventView = z.object({
  id: z.string(),
  timestamp: z.string(),
  eventType: AuditEventType,
  actorId: z.string().optional(),
  actorType: ActorType.optional(),
  details: z.record(z.string(), z.unknown()),
  version: z.number().int().min(1),
});

export const AuditResponse = z.object({
  deliveryId: z.string(),
  events: z.array(AuditEventView),
  summary: z.object({
    totalEvents: z.number().int(),
    byEventType: z.record(z.string(), z.number().int()),
    byActorType: z.record(z.string(), z.number().int()),
  }),
});
export type AuditResponse = z.infer<typeof AuditResponse>;
