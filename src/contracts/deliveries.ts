import { z } from "zod";
import { Coordinates, MarketplaceRef, Uuid } from "./common";
import { Capabilities, E164Phone, VehicleType } from "./drivers";
import { DeliveryStatus } from "./statuses";

export const DeliveryRequirements = z.strictObject({
  vehicleTypes: z.array(VehicleType).min(1).max(4).optional(),
  capabilities: Capabilities.optional(),
});
export type DeliveryRequirements = z.infer<typeof DeliveryRequirements>;

export const CustomerContact = z.strictObject({
  name: z.string().trim().min(1).max(120),
  phone: E164Phone,
});
export type CustomerContact = z.infer<typeof CustomerContact>;

/** Matched automatically, or offered by ops only. */
export const DispatchMode = z.enum(["auto", "manual"]);
export type DispatchMode = z.infer<typeof DispatchMode>;

export const CreateDeliveryBody = z.strictObject({
  sellerOrderId: MarketplaceRef,
  orderId: MarketplaceRef.optional(),
  sellerId: MarketplaceRef.optional(),
  storeName: z.string().trim().min(1).max(120),
  pickup: Coordinates,
  dropoff: Coordinates,
  priority: z.number().int().min(1).max(100).default(50),
  estimatedPrepTimeMinutes: z.number().int().min(0).max(240).default(5),
  requirements: DeliveryRequirements.default({}),
  customer: CustomerContact.optional(),
  zoneId: Uuid.optional(),
  dispatch: DispatchMode.default("auto"),
});
export type CreateDeliveryBody = z.infer<typeof CreateDeliveryBody>;

export const CancelDeliveryBody = z.strictObject({ reason: z.string().trim().min(1).max(255) });

/** Statuses the assigned driver reports. */
export const DriverReportedStatus = z.enum(["picked_up", "in_transit", "delivered", "failed"]);
export type DriverReportedStatus = z.infer<typeof DriverReportedStatus>;

export const DriverDeliveryStatusBody = z.strictObject({
  status: DriverReportedStatus,
  reason: z.string().trim().min(1).max(255).optional(),
});
export type DriverDeliveryStatusBody = z.infer<typeof DriverDeliveryStatusBody>;

export const ReleaseDeliveryBody = z.strictObject({ reason: z.string().trim().min(1).max(255) });

export const DeliveryParams = z.strictObject({ id: Uuid });
export const DriverDeliveryParams = z.strictObject({ id: Uuid, deliveryId: Uuid });

/** A delivery as the API shows it to its org (the tracking view is separate and narrower). */
export const DeliveryView = z.object({
  id: Uuid,
  zoneId: Uuid,
  orderId: z.string(),
  sellerOrderId: z.string(),
  sellerId: z.string().nullable(),
  storeName: z.string(),
  pickup: Coordinates,
  dropoff: Coordinates,
  priority: z.number().int(),
  estimatedPrepTimeMinutes: z.number().int(),
  requirements: DeliveryRequirements,
  customer: CustomerContact.nullable(),
  dispatch: DispatchMode,
  status: DeliveryStatus,
  statusReason: z.string().nullable(),
  assignedDriverId: Uuid.nullable(),
  trackingToken: z.string(),
  trackingUrl: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

/**
 * A delivery as its driver sees it: where to go and whom to ask for, never the customer's
 * tracking token, tracking link or phone.
 */
export const DriverDeliveryView = z.object({
  id: Uuid,
  zoneId: Uuid,
  orderId: z.string(),
  storeName: z.string(),
  pickup: Coordinates,
  dropoff: Coordinates,
  customerFirstName: z.string().nullable(),
  estimatedPrepTimeMinutes: z.number().int(),
  status: DeliveryStatus,
  statusReason: z.string().nullable(),
  assignedDriverId: Uuid.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DriverDeliveryView = z.infer<typeof DriverDeliveryView>;
