import { z } from "zod";
import { Coordinates, Latitude, Longitude, Uuid } from "./common";
import { Availability } from "./statuses";

export const VehicleType = z.enum(["bike", "scooter", "car", "van"]);
export type VehicleType = z.infer<typeof VehicleType>;

export const E164Phone = z.string().regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 phone number");

const Capability = z.string().min(1).max(40).regex(/^[a-z0-9_:-]+$/, "must be lowercase [a-z0-9_:-]");
export const Capabilities = z.array(Capability).max(20);

export const CreateDriverBody = z.strictObject({
  name: z.string().trim().min(1).max(120),
  phone: E164Phone,
  vehicle: z.string().trim().min(1).max(120),
  vehicleType: VehicleType.optional(),
  capabilities: Capabilities.default([]),
  zoneId: Uuid,
  location: Coordinates.optional(),
});
export type CreateDriverBody = z.infer<typeof CreateDriverBody>;

export const PatchDriverBody = z
  .strictObject({
    zoneId: Uuid,
    name: z.string().trim().min(1).max(120),
    phone: E164Phone,
    vehicle: z.string().trim().min(1).max(120),
    vehicleType: VehicleType,
    capabilities: Capabilities,
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, "at least one field is required");
export type PatchDriverBody = z.infer<typeof PatchDriverBody>;

/** The driver-editable profile fields (everything of a patch except the zone move). */
export type DriverProfilePatch = Omit<PatchDriverBody, "zoneId">;

export const ZonePreference = z.enum(["PREFERRED", "AVAILABLE", "UNAVAILABLE"]);
export type ZonePreference = z.infer<typeof ZonePreference>;

export const ZonePreferencesBody = z.strictObject({
  preferences: z
    .array(z.strictObject({ zoneId: Uuid, preference: ZonePreference }))
    .max(100)
    .refine((list) => new Set(list.map((p) => p.zoneId)).size === list.length, "zoneId must not repeat"),
});
export type ZonePreferencesBody = z.infer<typeof ZonePreferencesBody>;

export const LocationBody = z.strictObject({
  lat: Latitude,
  lon: Longitude,
  accuracyMeters: z.number().min(0).max(100_000).optional(),
  speed: z.number().min(0).max(500).optional(),
  heading: z.number().min(0).max(360).optional(),
  /** When the device took the fix; older than the last one → ignored. Defaults to arrival time. */
  recordedAt: z.iso.datetime({ offset: true }).optional(),
});
export type LocationBody = z.infer<typeof LocationBody>;

export const DriverParams = z.strictObject({ id: Uuid });

export const DriverListQuery = z.strictObject({
  zoneId: Uuid.optional(),
  availability: Availability.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const DriverLocation = z.object({
  lat: z.number(),
  lon: z.number(),
  accuracyMeters: z.number().optional(),
  speed: z.number().optional(),
  heading: z.number().optional(),
  recordedAt: z.string(),
});
export type DriverLocation = z.infer<typeof DriverLocation>;

/** A driver as the API shows it: no secrets, phone masked unless the reader may see it. */
export const DriverView = z.object({
  id: Uuid,
  zoneId: Uuid,
  name: z.string(),
  phone: z.string(),
  vehicle: z.string(),
  vehicleType: VehicleType.nullable(),
  capabilities: z.array(z.string()),
  rating: z.number(),
  availability: Availability,
  availabilityUntil: z.string().nullable(),
  availabilityReason: z.string().nullable(),
  location: DriverLocation.nullable(),
  lastSeenAt: z.string().nullable(),
  zonePreferences: z.array(z.object({ zoneId: Uuid, preference: ZonePreference })),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type DriverView = z.infer<typeof DriverView>;
