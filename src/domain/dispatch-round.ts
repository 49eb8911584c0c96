import type { RoundOptions } from "./follow-ups";
import { haversineKm } from "./geo";
import { matchRequest, searchRadiusFor } from "./match-request";
import { bestCandidates, explainNoCandidates, isEligible } from "./matching";
import type { OfferRecord } from "./model";
import { SYSTEM } from "./model";
import { createOffer } from "./offer-lifecycle";
import { recordUnmatched } from "./unassigned-records";
import type { ZoneTx } from "./zone-tx";

/*
 * Automatic dispatch. A round offers a `ready` delivery to its best candidates: one at a time in
 * `sequential` mode, the best `broadcastSize` at once in `broadcast` mode (first accept wins).
 * A round that finds nobody records why on the delivery's unassigned record. Only settle.ts runs
 * rounds: rules ask for one with `tx.follow.match` / `tx.follow.offerWaitingTo`.
 */

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
    if (pending === 0) recordUnmatched(tx, deliveryId, "offers_exhausted", radiusKm);
    return [];
  }
  if (delivery.autoOfferCount === 0 && delivery.unassigned === null) {
    tx.audit(deliveryId, "assignment_started", { searchRadiusKm: radiusKm, dispatchMode: settings.dispatchMode }, SYSTEM);
  }
  const request = matchRequest(tx, delivery, radiusKm);
  const candidates = bestCandidates(tx, request, Math.min(open, attemptsLeft));
  if (candidates.length === 0) {
    if (tx.pendingOffersOfDelivery(deliveryId).length === 0) recordUnmatched(tx, deliveryId, explainNoCandidates(tx, request), radiusKm);
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
  for (const delivery of tx.waitingDeliveries()) {
    const driver = tx.driver(driverId);
    if (!driver?.location || driver.availability !== "available" || tx.holdsPendingOffer(driverId)) return;
    if (delivery.autoOfferCount >= tx.zone.settings.maxOfferAttempts) continue;
    const request = matchRequest(tx, delivery);
    if (!isEligible(tx, request, driver) || haversineKm(driver.location, delivery.pickup) > request.radiusKm) continue;
    matchDelivery(tx, delivery.id);
  }
}
