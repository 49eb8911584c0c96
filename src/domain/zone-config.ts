import type { ZoneSettingsPatch } from "../contracts/zones";
import { DEFAULT_ZONE_SETTINGS, type ZoneSettings } from "../contracts/zones";
import { DomainError } from "./errors";
import type { ZoneConfig } from "./model";
import type { ZoneTx } from "./zone-tx";

/** Settings after a patch; a patch that leaves them inconsistent is refused as a whole. */
export function mergeZoneSettings(current: ZoneSettings, patch: ZoneSettingsPatch): ZoneSettings {
  const merged = { ...current, ...patch };
  if (merged.widenedRadiusKm < merged.searchRadiusKm) {
    throw new DomainError("invalid", "Validation failed: widenedRadiusKm must not be below searchRadiusKm");
  }
  return merged;
}

export function resolveZoneSettings(patch: ZoneSettingsPatch): ZoneSettings {
  return mergeZoneSettings(DEFAULT_ZONE_SETTINGS, patch);
}

/** Gives the zone object its identity once; later calls must name the same org and zone. */
export function configureZone(tx: ZoneTx, config: ZoneConfig): ZoneConfig {
  const current = tx.state.zone;
  if (current && (current.orgId !== config.orgId || current.id !== config.id)) {
    throw new DomainError("conflict", "Zone object already belongs to another zone");
  }
  tx.setZone(config);
  return config;
}

export function updateZoneSettings(tx: ZoneTx, patch: ZoneSettingsPatch): ZoneConfig {
  const zone = tx.zone;
  const next = { ...zone, settings: mergeZoneSettings(zone.settings, patch), updatedAt: tx.nowIso };
  tx.setZone(next);
  return next;
}
