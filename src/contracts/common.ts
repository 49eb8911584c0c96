import { z } from "zod";

/** Every id the service issues and every org id (docs/api-notes.md "Conventions"). */
export const Uuid = z.uuid({ message: "must be a UUID" });

/** The marketplace's own references: orderId, sellerOrderId, sellerId. */
export const MarketplaceRef = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, { message: "must be 1-64 characters of [A-Za-z0-9._:-]" })
  // "." and ".." would collapse as a URL path segment (/track/<orderId>, /v2/orders/<orderId>/…).
  .refine((ref) => !/^\.+$/.test(ref), { message: "must not consist of dots only" });

export const Latitude = z.number().min(-90).max(90);
export const Longitude = z.number().min(-180).max(180);

export const Coordinates = z.strictObject({ lat: Latitude, lon: Longitude });
export type Coordinates = z.infer<typeof Coordinates>;

export const Role = z.enum(["driver", "service", "ops", "admin"]);
export type Role = z.infer<typeof Role>;

/** `customer`: the holder of a delivery's tracking token (a rating). */
export const ActorType = z.enum(["driver", "admin", "system", "service", "customer"]);
export type ActorType = z.infer<typeof ActorType>;

/** A request body that must be empty or `{}` (action routes without parameters). */
export const EmptyBody = z.strictObject({});
