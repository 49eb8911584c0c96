import { ZoneSettings, type ZoneSettingsPatch, mergeZoneSettings } from "../contracts/zones";
import { DomainError } from "./errors";
import type { ZoneConfig } from "./model";
import type { ZoneTx } from "./zone-tx";

/** Gives the zone object its identity once; later calls must name the same org and zone. */
export function configureZone(tx: ZoneTx, config: ZoneConfig): ZoneConfig {
  const current = tx.state.zone;
  if (current && (current.orgId !== config.orgId || current.id !== config.id)) {
    throw new DomainError("conflict", "Zone object already belongs to another zone");
  }
  tx.setZone(config);
  return config;
}

/** Applies a settings patch; one that leaves the settings inconsistent is refused whole. */
export function updateZoneSettings(tx: ZoneTx, patch: ZoneSettingsPatch): ZoneConfig {
  const zone = tx.zone;
  const merged = ZoneSettings.safeParse(mergeZoneSettings(zone.settings, patch));
  if (!merged.success) {
    throw new DomainError("invalid", `Validation failed: ${merged.error.issues.map((i) => i.message).join("; ")}`);
  }
  const next = { ...zone, settings: merged.data, updatedAt: tx.nowIso };
  tx.setZone(next);
  // New thresholds move every waiting delivery's next escalation.
  if (patch.escalationSeconds) for (const delivery of tx.state.deliveries.values()) tx.follow.rearmEscalation(delivery.id);
  return next;
}
