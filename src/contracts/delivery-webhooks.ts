import { z } from "zod";
import { Uuid } from "./common";
import { ListLimit } from "./escalation";
import { webhookUrl } from "./ops-settings";
import { DeliveryStatus } from "./statuses";

/** What the order service can subscribe to (docs/api-notes.md "Delivery webhooks"). */
export const DeliveryEventType = z.enum([
  "delivery.created",
  "delivery.assigned",
  "delivery.picked_up",
  "delivery.in_transit",
  "delivery.delivered",
  "delivery.failed",
  "delivery.cancelled",
  "delivery.unassigned",
  "delivery.escalated",
]);
export type DeliveryEventType = z.infer<typeof DeliveryEventType>;

/** One delivery event as its body is POSTed (`X-Dispatch-Delivery` is its id). */
export const DeliveryEvent = z.object({
  id: Uuid,
  type: DeliveryEventType,
  createdAt: z.string(),
  data: z.object({
    deliveryId: Uuid,
    orderId: z.string(),
    sellerOrderId: z.string(),
    /** The delivery's status once this event happened. */
    status: DeliveryStatus,
    zoneId: Uuid,
    /** The delivery's audit version of this event: increasing per delivery. */
    version: z.number().int().min(1),
    driverId: z.string().nullable().optional(),
    reason: z.string().nullable().optional(),
    escalationLevel: z.number().int().optional(),
  }),
});
export type DeliveryEvent = z.infer<typeof DeliveryEvent>;

const Secret = z.string().min(16).max(256);
const EventFilter = z
  .array(DeliveryEventType)
  .min(1)
  .max(DeliveryEventType.options.length)
  .refine((events) => new Set(events).size === events.length, { message: "must not name an event twice" });

export const SubscriptionCreate = z.strictObject({
  url: webhookUrl(false),
  secret: Secret,
  /** Absent: every event. */
  events: EventFilter.default([...DeliveryEventType.options]),
  enabled: z.boolean().default(true),
});
export type SubscriptionCreate = z.infer<typeof SubscriptionCreate>;

/** An absent field keeps what is stored; `enabled: true` also clears an automatic disable. */
export const SubscriptionPatch = z.strictObject({
  url: webhookUrl(false).optional(),
  secret: Secret.optional(),
  events: EventFilter.optional(),
  enabled: z.boolean().optional(),
});
export type SubscriptionPatch = z.infer<typeof SubscriptionPatch>;

/** What admins see: never the secret. */
export const SubscriptionView = z.object({
  id: Uuid,
  url: z.string(),
  events: z.array(DeliveryEventType),
  enabled: z.boolean(),
  /** Why the service disabled it (null while enabled or disabled by an admin). */
  disabledReason: z.string().nullable(),
  secretSet: z.literal(true),
  consecutiveFailures: z.number().int().min(0),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SubscriptionView = z.infer<typeof SubscriptionView>;

export const SubscriptionParams = z.strictObject({ id: Uuid });

export const SubscriptionDeadLetterParams = z.strictObject({ id: Uuid, deadLetterId: Uuid });

export const SubscriptionDeadLettersQuery = z.strictObject({ limit: ListLimit });

/** What the receiver made of a test send: its HTTP status, or why there was none. */
export const TestSendResult = z.object({
  eventId: Uuid,
  delivered: z.boolean(),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
});
export type TestSendResult = z.infer<typeof TestSendResult>;

/** An event the subscription's receiver refused every attempt; `id` is the event's id. */
export const SubscriptionDeadLetterView = z.object({
  id: Uuid,
  eventType: DeliveryEventType,
  deliveryId: Uuid,
  zoneId: Uuid,
  payload: DeliveryEvent,
  attempts: z.number().int(),
  lastError: z.string(),
  firstAttemptAt: z.string(),
  failedAt: z.string(),
});
export type SubscriptionDeadLetterView = z.infer<typeof SubscriptionDeadLetterView>;
