import { z } from "zod";
import { Coordinates, Uuid } from "./common";
import { DispatchMode, DriverReportedStatus } from "./deliveries";
import { OfferPayload, RejectionReason } from "./offers";
import { PerformanceMetrics } from "./performance";
import { Availability, DeliveryStatus } from "./statuses";
import { ActiveAlert, HealthFigures } from "./zone-health";

/*
 * Server → client socket events: the seed's event objects (seed 001 "WebSocket Events") plus
 * `offer_cancelled` and `delivery_status_changed`. Every event is checked against these schemas
 * before it is sent; `seq` and `eventId` are added by the zone object per audience.
 */

const Iso = z.string();

const OfferCreatedEvent = z.object({
  type: z.literal("offer_created"),
  offerId: Uuid,
  deliveryId: Uuid,
  payload: OfferPayload,
  expiresAt: Iso,
  createdAt: Iso,
});

const OfferAcceptedEvent = z.object({
  type: z.literal("offer_accepted"),
  offerId: Uuid,
  driverId: Uuid,
  deliveryId: Uuid,
  responseTimeMs: z.number().int().min(0),
  assignmentId: Uuid,
  acceptedAt: Iso,
});

const OfferRejectedEvent = z.object({
  type: z.literal("offer_rejected"),
  offerId: Uuid,
  driverId: Uuid,
  deliveryId: Uuid,
  reason: z.string(),
  rejectedAt: Iso,
});

const OfferExpiredEvent = z.object({
  type: z.literal("offer_expired"),
  offerId: Uuid,
  driverId: Uuid,
  deliveryId: Uuid,
  expiresAt: Iso,
});

const OfferCancelledEvent = z.object({
  type: z.literal("offer_cancelled"),
  offerId: Uuid,
  driverId: Uuid,
  deliveryId: Uuid,
  reason: z.string(),
  cancelledAt: Iso,
});

const AvailabilityChangedEvent = z.object({
  type: z.literal("availability_changed"),
  driverId: Uuid,
  fromState: Availability,
  toState: Availability,
  reason: z.string().optional(),
  until: Iso.optional(),
  changedAt: Iso,
});

const BreakExpiredEvent = z.object({
  type: z.literal("break_expired"),
  driverId: Uuid,
  breakDurationMinutes: z.number().min(0),
  expiredAt: Iso,
});

const UnassignedOrderEscalatedEvent = z.object({
  type: z.literal("unassigned_order_escalated"),
  deliveryId: Uuid,
  sellerOrderId: z.string(),
  level: z.number().int().min(1).max(3),
  reason: z.string(),
  escalatedAt: Iso,
  supportTicketId: Uuid.optional(),
});

const SupportTicketCreatedEvent = z.object({
  type: z.literal("support_ticket_created"),
  ticketId: Uuid,
  deliveryId: Uuid,
  sellerOrderId: z.string(),
  priority: z.string(),
  title: z.string(),
  description: z.string(),
  createdAt: Iso,
});

const DeliveryEtaUpdatedEvent = z.object({
  type: z.literal("delivery_eta_updated"),
  deliveryId: Uuid,
  estimatedPickupTime: Iso,
  estimatedDeliveryTime: Iso,
  confidence: z.number().min(0).max(1),
  updatedAt: Iso,
});

const DeliveryLocationUpdatedEvent = z.object({
  type: z.literal("delivery_location_updated"),
  deliveryId: Uuid,
  location: Coordinates.extend({ accuracyMeters: z.number().min(0) }),
  speed: z.number().optional(),
  heading: z.number().optional(),
  updatedAt: Iso,
});

const DeliveryStatusChangedEvent = z.object({
  type: z.literal("delivery_status_changed"),
  deliveryId: Uuid,
  orderId: z.string(),
  fromStatus: DeliveryStatus,
  status: DeliveryStatus,
  reason: z.string().optional(),
  changedAt: Iso,
});

/** A new delivery in the zone (ops stream): the console shows it at once. */
const DeliveryCreatedEvent = z.object({
  type: z.literal("delivery_created"),
  deliveryId: Uuid,
  orderId: z.string(),
  storeName: z.string(),
  priority: z.number().int(),
  dispatch: DispatchMode,
  createdAt: Iso,
});

/** The zone's health figures changed (at most one per 5 s per zone; also once to each new ops socket). */
const ZoneHealthUpdatedEvent = z.object({
  type: z.literal("zone_health_updated"),
  zoneId: Uuid,
  zoneName: z.string(),
  metrics: HealthFigures,
  updatedAt: Iso,
});

/** A zone crossed an alert threshold (raised once per crossing). */
const ZoneAlertEvent = ActiveAlert.extend({ type: z.literal("zone_alert"), zoneId: Uuid, raisedAt: Iso });

/** The figure is back past the threshold's hysteresis: the alert may be raised again from now on. */
const ZoneAlertClearedEvent = ActiveAlert.extend({
  type: z.literal("zone_alert_cleared"),
  zoneId: Uuid,
  raisedAt: Iso,
  /** The figure when it cleared. */
  clearedValue: z.number(),
  clearedAt: Iso,
});

/** A driver's figures for period "all", after a delivery of theirs ended and after each rating. */
const DriverPerformanceUpdatedEvent = z.object({
  type: z.literal("driver_performance_updated"),
  driverId: Uuid,
  driverName: z.string(),
  metrics: PerformanceMetrics,
  updatedAt: Iso,
});

export const ZoneEvent = z.discriminatedUnion("type", [
  OfferCreatedEvent,
  OfferAcceptedEvent,
  OfferRejectedEvent,
  OfferExpiredEvent,
  OfferCancelledEvent,
  AvailabilityChangedEvent,
  BreakExpiredEvent,
  UnassignedOrderEscalatedEvent,
  SupportTicketCreatedEvent,
  DeliveryEtaUpdatedEvent,
  DeliveryLocationUpdatedEvent,
  DeliveryStatusChangedEvent,
  DeliveryCreatedEvent,
  ZoneHealthUpdatedEvent,
  ZoneAlertEvent,
  ZoneAlertClearedEvent,
  DriverPerformanceUpdatedEvent,
]);
export type ZoneEvent = z.infer<typeof ZoneEvent>;

/** Optional client correlation id, echoed in the message's `ack`. */
const ClientId = z.string().min(1).max(64).optional();

/** Driver → server messages (docs/api.md "Sockets"). */
export const DriverMessage = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("location"),
    id: ClientId,
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
    accuracyMeters: z.number().min(0).max(100_000).optional(),
    speed: z.number().min(0).max(500).optional(),
    heading: z.number().min(0).max(360).optional(),
    recordedAt: z.iso.datetime({ offset: true }).optional(),
  }),
  z.strictObject({
    type: z.literal("accept_offer"),
    id: ClientId,
    offerId: Uuid,
    acceptedAt: z.iso.datetime({ offset: true }).optional(),
  }),
  z.strictObject({
    type: z.literal("reject_offer"),
    id: ClientId,
    offerId: Uuid,
    reason: RejectionReason.optional(),
  }),
  z.strictObject({
    type: z.literal("delivery_status"),
    id: ClientId,
    deliveryId: Uuid,
    status: DriverReportedStatus,
    reason: z.string().trim().min(1).max(255).optional(),
  }),
  z.strictObject({ type: z.literal("ping"), id: ClientId }),
]);
export type DriverMessage = z.infer<typeof DriverMessage>;
