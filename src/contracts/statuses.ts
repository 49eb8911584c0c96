import { z } from "zod";

/** A delivery's lifecycle state; the legal moves are in src/domain/delivery-status.ts. */
export const DeliveryStatus = z.enum([
  "ready",
  "assigned",
  "picked_up",
  "in_transit",
  "delivered",
  "failed",
  "cancelled",
]);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** A driver's availability; the legal moves are in src/domain/availability-machine.ts. */
export const Availability = z.enum([
  "available",
  "busy",
  "on_break",
  "shift_ended",
  "offline",
  "paused",
]);
export type Availability = z.infer<typeof Availability>;
