import { z } from "zod";
import { Coordinates } from "./common";

/** A delivery's status as its customer sees it (`ready` is "pending"; ended ones as they are). */
export const CustomerStatus = z.enum(["pending", "assigned", "picked_up", "in_transit", "delivered", "failed", "cancelled"]);
export type CustomerStatus = z.infer<typeof CustomerStatus>;

/**
 * GET /v2/orders/:orderId/delivery-status: what the customer may see of their delivery, and
 * what the tracking page draws. Phones are always masked here.
 */
export const TrackingView = z.object({
  status: CustomerStatus,
  driver: z.object({ name: z.string(), rating: z.number(), vehicle: z.string(), phone: z.string() }).optional(),
  location: z.object({ lat: z.number(), lon: z.number(), accuracyMeters: z.number(), lastUpdated: z.string() }).optional(),
  estimatedPickupTime: z.string().optional(),
  estimatedDeliveryTime: z.string().optional(),
  estimatedPrepTimeMinutes: z.number().int(),
  deliveryId: z.string(),
  storeName: z.string(),
  pickup: Coordinates,
  dropoff: Coordinates,
  /** The zone's IANA timezone: times on the page are shown in it. */
  timezone: z.string(),
  updatedAt: z.string(),
  /** The customer's rating, once given (the page then thanks instead of asking). */
  rating: z.object({ rating: z.number().int().min(1).max(5), ratedAt: z.string() }).optional(),
  trackingUrl: z.string(),
});
export type TrackingView = z.infer<typeof TrackingView>;

/** POST /v2/orders/:orderId/rating: once, after the delivery is delivered. */
export const RatingBody = z.strictObject({
  rating: z.number().int().min(1).max(5),
  comment: z.string().trim().max(500).optional(),
});
export type RatingBody = z.infer<typeof RatingBody>;

export const RatingView = z.object({ orderId: z.string(), rating: z.number().int().min(1).max(5), ratedAt: z.string() });
