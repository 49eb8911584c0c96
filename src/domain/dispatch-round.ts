import { haversineKm } from "./geo";
import type { MatchFailure, MatchRequest } from "./matching";
import { bestCandidates, explainNoCandidates, isEligible } from "./matching";
import type { DeliveryRecord, OfferRecord, UnassignedRecord } from "./model";
import { SYSTEM } from "./model";
import { createOffer } from "./offer-lifecycle";
import type { ZoneTx } from "./zone-tx";

/*
 * Automatic dispatch. A round offers a `ready` delivery to its best candidates: one at a time in
 * `sequential` mode, the best `broadcastSize` at once in `broadcast` mode (first accept wins).
 * A round that finds nobody records why on the delivery's unassigned record.
 */

export interface RoundOptions {
  /** Run even for a manually dispatched delivery (ops reassign, escalation). */
  force?: boolean;
  /** Make at least one round of offers even past maxOfferAttempts (escalation level 2). */
  beyondAttemptLimit?: boolean;
}

/** Escalation level 2 widens the search, and it stays wide for the delivery's later rounds. */
export function searchRadiusFor(tx: ZoneTx, delivery: DeliveryRecord): number {
  const settings = tx.zone.settings;
  return (delivery.unassigned?.escalationLevel ?? 0) >= 2 ? settings.widenedRadiusKm : settings.searchRadiusKm;
}

export function matchRequest(tx: ZoneTx, delivery: DeliveryRecord, radiusKm: number): MatchRequest {
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

/** Offers a delivery to as many candidates as its mode allows; returns the offers made. */
export function matchDelivery(tx: ZoneTx, deliveryId: string, options: RoundOptions = {}): OfferRecord[] {
  const delivery = tx.delivery(deliveryId);
  if (!delivery || delivery.status !== "ready") return [];
  if (delivery.dispatch === "manual" && !options.force) return [];
  const settings = tx.zone.settings;
  const pending = tx.pendingOffersOfDelivery(deliveryId).length;
  const open = (settings.dispatchMode === "broadcast" ? settings.broadcastSize : 1) - pending;
  if (open <= 0) return [];
  const radiusKm = searchRadiusFor(tx, delivery);
  const attemptsLeft = options.beyondAttemptLimit ? open : settings.maxOfferAttempts - delivery.autoOfferCount;
  if (attemptsLeft <= 0) {
    // Offers still out may yet be accepted: the delivery is unmatched only once they are gone.
    if (pending === 0) recordUnmatched(tx, deliveryId, "offers_exhausted", 0, radiusKm);
    return [];
  }
  if (delivery.autoOfferCount === 0 && delivery.unassigned === null) {
    tx.audit(deliveryId, "assignment_started", { searchRadiusKm: radiusKm, dispatchMode: settings.dispatchMode }, SYSTEM);
  }
  const request = matchRequest(tx, delivery, radiusKm);
  const candidates = bestCandidates(tx, request, Math.min(open, attemptsLeft));
  if (candidates.length === 0) {
    if (tx.pendingOffersOfDelivery(deliveryId).length === 0) {
      recordUnmatched(tx, deliveryId, explainNoCandidates(tx, request), 0, radiusKm);
    }
    return [];
  }
  // `count`: the best candidates found, nearest first — the search stops once it has enough.
  tx.audit(deliveryId, "driver_candidates_found", { count: candidates.length, radiusKm }, SYSTEM);
  return candidates.map(({ driver }) =>
    createOffer(tx, {
      deliveryId,
      driverId: driver.id,
      mode: "auto",
      expiresInSeconds: settings.offerTimeoutSeconds,
      actor: SYSTEM,
    }),
  );
}

/**
 * New supply: a driver just became free (or moved). The waiting deliveries this driver could
 * take, highest priority first, get a matching round — which picks the best candidate, not
 * necessarily this driver. Deliveries the driver cannot serve are left alone, so their failed
 * attempts are not counted again; so are deliveries out of automatic offers, which no driver
 * can change (else every location tick near one would rewrite its unassigned record).
 */
export function offerWaitingTo(tx: ZoneTx, driverId: string): void {
  const waiting = tx.waitingDeliveries();
  for (const delivery of waiting) {
    const driver = tx.driver(driverId);
    if (!driver?.location || driver.availability !== "available" || tx.holdsPendingOffer(driverId)) return;
    if (delivery.autoOfferCount >= tx.zone.settings.maxOfferAttempts) continue;
    const request = matchRequest(tx, delivery, searchRadiusFor(tx, delivery));
    if (!isEligible(tx, request, driver) || haversineKm(driver.location, delivery.pickup) > request.radiusKm) continue;
    matchDelivery(tx, delivery.id);
  }
}

/** Creates or updates the delivery's unassigned record after a round that found nobody. */
export function recordUnmatched(tx: ZoneTx, deliveryId: string, reason: MatchFailure, count: number, radiusKm: number): void {
  const delivery = tx.requireDelivery(deliveryId);
  const current = delivery.unassigned;
  if (current) {
    tx.putDelivery({
      ...delivery,
      unassigned: {
        ...current,
        // Waiting again after an assignment fell through: the record is open again.
        escalationStatus: current.escalationLevel > 0 ? "NOTIFIED" : "PENDING",
        failureReason: reason,
        lastAttemptAt: tx.nowIso,
        attemptCount: current.attemptCount + 1,
        updatedAt: tx.nowIso,
      },
    });
    return;
  }
  openUnassignedRecord(tx, delivery, reason);
  tx.audit(deliveryId, "driver_candidates_found", { count, radiusKm, failureReason: reason }, SYSTEM);
}

/** Starts the delivery's unassigned record (level 0, PENDING) with why nobody could take it. */
export function openUnassignedRecord(tx: ZoneTx, delivery: DeliveryRecord, reason: MatchFailure): UnassignedRecord {
  const record: UnassignedRecord = {
    id: tx.newId(),
    orgId: delivery.orgId,
    zoneId: delivery.zoneId,
    deliveryId: delivery.id,
    sellerOrderId: delivery.sellerOrderId,
    location: delivery.pickup,
    failureReason: reason,
    firstAttemptAt: tx.nowIso,
    lastAttemptAt: tx.nowIso,
    attemptCount: 1,
    escalationLevel: 0,
    escalationStatus: "PENDING",
    supportTicketId: null,
    notificationSentAt: null,
    createdAt: tx.nowIso,
    updatedAt: tx.nowIso,
  };
  tx.putDelivery({ ...tx.requireDelivery(delivery.id), unassigned: record });
  return record;
}
