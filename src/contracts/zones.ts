import { z } from "zod";
import { Uuid } from "./common";
import { GeoJsonPolygon } from "./geojson";

/** When ops are alerted about a zone (the health rules say when an alert clears again). */
export const AlertThresholds = z.strictObject({
  /** A healthScore below this raises `low_health`. */
  minHealthScore: z.number().int().min(0).max(100),
  /** More waiting deliveries with an unassigned record than this raises `high_unassigned`. */
  maxUnassigned: z.number().int().min(1).max(100_000),
});
export type AlertThresholds = z.infer<typeof AlertThresholds>;

export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = { minHealthScore: 50, maxUnassigned: 20 };

const settingsShape = {
  dispatchMode: z.enum(["sequential", "broadcast"]),
  broadcastSize: z.number().int().min(1).max(20),
  offerTimeoutSeconds: z.number().int().min(10).max(120),
  searchRadiusKm: z.number().positive().max(200),
  widenedRadiusKm: z.number().positive().max(500),
  maxOfferAttempts: z.number().int().min(1).max(100),
  /** Seconds after creation at which escalation levels 1, 2 and 3 fire. */
  escalationSeconds: z
    .array(z.number().int().min(1).max(7 * 86_400))
    .length(3)
    .refine(([a = 0, b = 0, c = 0]) => a < b && b < c, "levels must be strictly increasing"),
  offlineAfterSeconds: z.number().int().min(1).max(86_400),
  avgSpeedKmh: z.number().positive().max(200),
  baseFee: z.number().min(0).max(1_000_000),
  perKmFee: z.number().min(0).max(1_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code"),
  alerts: AlertThresholds,
};

/** Any subset of the settings (and of `alerts`); absent keys keep their current (or default) value. */
export const ZoneSettingsPatch = z.strictObject({ ...settingsShape, alerts: AlertThresholds.partial() }).partial();
export type ZoneSettingsPatch = z.infer<typeof ZoneSettingsPatch>;

/** Dispatch settings of one zone (docs/api-notes.md "Zones"), complete and consistent. */
export const ZoneSettings = z.strictObject(settingsShape).refine((s) => s.widenedRadiusKm >= s.searchRadiusKm, {
  message: "widenedRadiusKm must not be below searchRadiusKm",
  path: ["widenedRadiusKm"],
});
export type ZoneSettings = z.infer<typeof ZoneSettings>;

export const DEFAULT_ZONE_SETTINGS: ZoneSettings = {
  dispatchMode: "sequential",
  broadcastSize: 3,
  offerTimeoutSeconds: 30,
  searchRadiusKm: 5,
  widenedRadiusKm: 10,
  maxOfferAttempts: 10,
  escalationSeconds: [300, 900, 1800],
  offlineAfterSeconds: 90,
  avgSpeedKmh: 25,
  baseFee: 40,
  perKmFee: 12,
  currency: "INR",
  alerts: DEFAULT_ALERT_THRESHOLDS,
};

/**
 * A patch over the current settings, `alerts` merged key by key. Zones stored before a setting
 * existed get its default, so every zone reads complete settings.
 */
export function mergeZoneSettings(current: Partial<ZoneSettings>, patch: ZoneSettingsPatch = {}): ZoneSettings {
  return {
    ...DEFAULT_ZONE_SETTINGS,
    ...current,
    ...patch,
    alerts: { ...DEFAULT_ALERT_THRESHOLDS, ...current.alerts, ...patch.alerts },
  };
}

const IanaTimezone = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "must be an IANA time zone");

export const CreateZoneBody = z.strictObject({
  name: z.string().trim().min(1).max(120),
  polygon: GeoJsonPolygon,
  priorityLevel: z.number().int().min(1).max(5).default(3),
  minDriversOnline: z.number().int().min(0).max(100_000).default(5),
  targetWaitTimeSeconds: z.number().int().min(1).max(86_400).default(300),
  timezone: IanaTimezone.default("UTC"),
  settings: ZoneSettingsPatch.default({})
    .transform((patch) => mergeZoneSettings({}, patch))
    .pipe(ZoneSettings),
});
export type CreateZoneBody = z.output<typeof CreateZoneBody>;

export const ZoneParams = z.strictObject({ zoneId: Uuid });

/** A zone as the API shows it. */
export const ZoneView = z.object({
  id: Uuid,
  name: z.string(),
  polygon: GeoJsonPolygon,
  priorityLevel: z.number().int(),
  minDriversOnline: z.number().int(),
  targetWaitTimeSeconds: z.number().int(),
  timezone: z.string(),
  settings: ZoneSettings,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ZoneView = z.infer<typeof ZoneView>;
