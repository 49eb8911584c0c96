import type { MatchRequest } from "./matching";
import type { DeliveryRecord } from "./model";
import type { ZoneTx } from "./zone-tx";

/** Escalation level 2 widens the search, and it stays wide for the delivery's later rounds. */
export function searchRadiusFor(tx: ZoneTx, delivery: DeliveryRecord): number {
  const settings = tx.zone.settings;
  return (delivery.unassigned?.escalationLevel ?? 0) >= 2 ? settings.widenedRadiusKm : settings.searchRadiusKm;
}

/** Who may be offered this delivery now, and how far to look. */
export function matchRequest(tx: ZoneTx, delivery: DeliveryRecord, radiusKm: number = searchRadiusFor(tx, delivery)): MatchRequest {
  return {
    pickup: delivery.pickup,
    requirements: delivery.requirements,
    excluded: new Set(delivery.excludedDriverIds),
    zoneId: delivery.zoneId,
    radiusKm,
    now: tx.now,
    freshForMs: tx.zone.settings.offlineAfterSeconds * 1000,
  };
}
