import { offerWaitingTo, matchDelivery } from "./dispatch-round";
import { armEscalation } from "./escalation";
import { isWatchedForSilence } from "./availability-machine";
import { ensureLivenessCheck } from "./liveness";
import type { DeliveryRecord } from "./model";
import { withdrawOffer } from "./offer-lifecycle";
import { byDispatchOrder, type ZoneTx } from "./zone-tx";

/*
 * The second half of every decision. Rules change only what they own and record follow-ups on
 * `tx.follow`; settle carries them out in this order, the same for every command:
 *
 *   1. withdraw orphaned offers — the offers of a delivery that was taken or cancelled, or of a
 *      driver who stopped being available; a withdrawn offer frees its driver (supply) or
 *      leaves its delivery waiting (demand);
 *   2. escalation timers — each touched delivery's timer put where its ladder now stands;
 *   3. liveness — the zone's silence check moved early enough for every touched driver;
 *   4. match waiting deliveries — one round each, highest priority first, then oldest;
 *   5. match freed drivers — each free driver offered the waiting deliveries it could serve.
 *
 * Withdrawals come before any round, so a round never sees an offer that is about to go, and
 * deliveries come before drivers, so a freed driver cannot pre-empt the delivery that freed it.
 * A step may record more follow-ups (a withdrawal makes demand); the loop runs until none is
 * left. Rounds themselves record none, so two passes always suffice; the cap turns a bug into an
 * error instead of a hung zone.
 */
const MAX_PASSES = 8;

export function settle(tx: ZoneTx): void {
  for (let pass = 0; tx.follow.pending; pass++) {
    if (pass === MAX_PASSES) throw new Error(`settle: follow-ups still pending after ${MAX_PASSES} passes`);
    withdrawOrphanedOffers(tx);
    rearmEscalations(tx);
    watchLiveness(tx);
    matchWaitingDeliveries(tx);
    matchFreedDrivers(tx);
  }
}

function withdrawOrphanedOffers(tx: ZoneTx): void {
  const withdrawals = tx.follow.withdrawals;
  tx.follow.withdrawals = [];
  for (const { of, id, reason } of withdrawals) {
    const offers = of === "delivery" ? tx.pendingOffersOfDelivery(id) : tx.pendingOffersOfDriver(id);
    for (const offer of offers) {
      withdrawOffer(tx, offer, reason);
      if (of === "delivery") tx.follow.offerWaitingTo(offer.driverId);
      else tx.follow.match(offer.deliveryId);
    }
  }
}

function rearmEscalations(tx: ZoneTx): void {
  const ids = tx.follow.escalations;
  tx.follow.escalations = new Set();
  for (const id of ids) armEscalation(tx, id);
}

function watchLiveness(tx: ZoneTx): void {
  const ids = tx.follow.liveness;
  tx.follow.liveness = new Set();
  for (const id of ids) {
    const driver = tx.driver(id);
    if (driver && isWatchedForSilence(driver.availability)) ensureLivenessCheck(tx, driver);
  }
}

function matchWaitingDeliveries(tx: ZoneTx): void {
  const demand = tx.follow.demand;
  tx.follow.demand = new Map();
  const waiting = [...demand.keys()]
    .map((id) => tx.delivery(id))
    .filter((d): d is DeliveryRecord => d?.status === "ready")
    .sort(byDispatchOrder);
  for (const delivery of waiting) matchDelivery(tx, delivery.id, demand.get(delivery.id));
}

function matchFreedDrivers(tx: ZoneTx): void {
  const drivers = tx.follow.supply;
  tx.follow.supply = new Set();
  for (const id of drivers) offerWaitingTo(tx, id);
}
