import { z } from "zod";
import { Uuid } from "./common";
import { DeliveryView, DispatchMode } from "./deliveries";
import { DriverView } from "./drivers";
import { OfferPayload, OfferStatus } from "./offers";
import { Availability } from "./statuses";
import { ZoneView } from "./zones";
import { ActiveAlert, HealthFigures } from "./zone-health";

/** A zone's live counts and health (GET /v2/admin/zones/:zoneId `health`, and the board's). */
export const ZoneHealth = HealthFigures.extend({
  driversByAvailability: z.record(Availability, z.number().int().min(0)),
  /** Able to take a job or working on one: available or busy. */
  driversOnline: z.number().int().min(0),
  pendingDeliveries: z.number().int().min(0),
  activeDeliveries: z.number().int().min(0),
  pendingOffers: z.number().int().min(0),
  /** Waiting deliveries with an unassigned record, by escalation level ("0" … "3"). */
  unassignedByLevel: z.record(z.string(), z.number().int().min(0)),
  /** Alerts raised and not yet cleared. */
  alerts: z.array(ActiveAlert),
  /** When these figures were computed. */
  updatedAt: z.string(),
});
export type ZoneHealth = z.infer<typeof ZoneHealth>;

/** An offer as ops see it (the org and zone are implied by the route). */
export const OfferView = z.object({
  id: Uuid,
  deliveryId: Uuid,
  driverId: Uuid,
  status: OfferStatus,
  mode: DispatchMode,
  payload: OfferPayload,
  createdAt: z.string(),
  expiresAt: z.string(),
  acceptedAt: z.string().nullable(),
  rejectedAt: z.string().nullable(),
  rejectionReason: z.string().nullable(),
  cancelReason: z.string().nullable(),
  responseTimeMs: z.number().int().nullable(),
  notificationSentAt: z.string().nullable(),
  notificationMethod: z.enum(["websocket", "none"]).nullable(),
});
export type OfferView = z.infer<typeof OfferView>;

/** GET /v2/admin/zones/:zoneId/board: the zone's live working set in one read. */
export const ZoneBoardView = z.object({
  zone: ZoneView,
  health: ZoneHealth,
  drivers: z.array(DriverView),
  deliveries: z.array(DeliveryView),
  offers: z.array(OfferView),
});
export type ZoneBoardView = z.infer<typeof ZoneBoardView>;
