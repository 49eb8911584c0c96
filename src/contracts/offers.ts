import { z } from "zod";
import { Coordinates, Uuid } from "./common";

export const OfferStatus = z.enum(["PENDING", "ACCEPTED", "REJECTED", "EXPIRED", "CANCELLED"]);
export type OfferStatus = z.infer<typeof OfferStatus>;

/** What a driver is shown before accepting (seed 001 `offer_payload`). */
export const OfferPayload = z.object({
  pickupLocation: Coordinates,
  pickupStoreName: z.string(),
  estimatedPickupTimeMin: z.number().int(),
  estimatedDeliveryTime: z.string(),
  estimatedDistanceKm: z.number(),
  estimatedEarning: z.number(),
});
export type OfferPayload = z.infer<typeof OfferPayload>;

export const CreateOfferBody = z.strictObject({
  driverId: Uuid,
  expiresInSeconds: z.number().int().min(10).max(120).optional(),
});
export type CreateOfferBody = z.infer<typeof CreateOfferBody>;

export const AcceptOfferBody = z.strictObject({
  acceptedAt: z.iso.datetime({ offset: true }).optional(),
});

export const RejectionReason = z.enum(["too_far", "no_time", "bad_area", "other"]);
export type RejectionReason = z.infer<typeof RejectionReason>;
export const RejectOfferBody = z.strictObject({ reason: RejectionReason.optional() });

export const OfferParams = z.strictObject({ id: Uuid, offerId: Uuid });

export const DriverOffersQuery = z.strictObject({ status: OfferStatus.optional() });

export const ReassignBody = z.strictObject({ driverId: Uuid.optional() });
