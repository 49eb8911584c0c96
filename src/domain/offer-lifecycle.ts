import type { OfferStatus } from "../contracts/offers";
import { assignDriver } from "./assignment-lifecycle";
import { audience } from "./audiences";
import { conflict, notFound } from "./errors";
import type { Actor, AssignmentRecord, DeliveryRecord, OfferRecord } from "./model";
import { SYSTEM, iso } from "./model";
import { offerPayload } from "./offer-payload";
import type { ZoneTx } from "./zone-tx";

/*
 * An offer's life: PENDING until the driver accepts (ACCEPTED), rejects (REJECTED), lets it run
 * out (EXPIRED), or it is withdrawn because the delivery or the driver moved on (CANCELLED).
 * Only a PENDING offer changes; every change is audited on the delivery. What a closed offer
 * leaves to do (the delivery's next candidate, the driver's next job) is recorded for settle.
 */

export interface NewOffer {
  deliveryId: string;
  driverId: string;
  mode: OfferRecord["mode"];
  expiresInSeconds: number;
  actor: Actor;
}

/** Makes a PENDING offer and arms its expiry. Callers have checked who may get it. */
export function createOffer(tx: ZoneTx, input: NewOffer): OfferRecord {
  const delivery = tx.requireDelivery(input.deliveryId);
  const driver = tx.requireDriver(input.driverId);
  const expiresAt = tx.now + input.expiresInSeconds * 1000;
  // A driver without a known position is priced from the pickup itself (distance 0).
  const payload = offerPayload(delivery, driver.location ?? delivery.pickup, tx.zone.settings, tx.now);
  const offer = tx.putOffer({
    id: tx.newId(),
    orgId: delivery.orgId,
    zoneId: delivery.zoneId,
    deliveryId: delivery.id,
    driverId: driver.id,
    status: "PENDING",
    mode: input.mode,
    payload,
    createdAt: tx.nowIso,
    expiresAt: iso(expiresAt),
    acceptedAt: null,
    rejectedAt: null,
    rejectionReason: null,
    cancelReason: null,
    responseTimeMs: null,
    // Sockets are pushed after commit; an absent driver still gets the offer, and it expires as usual.
    notificationSentAt: tx.connected(driver.id) ? tx.nowIso : null,
    notificationMethod: tx.connected(driver.id) ? "websocket" : "none",
  });
  tx.emit([audience.driver(driver.id), audience.ops], {
    type: "offer_created",
    offerId: offer.id,
    deliveryId: delivery.id,
    payload,
    expiresAt: offer.expiresAt,
    createdAt: offer.createdAt,
  });
  // A ranking statistic: kept in memory and saved with the driver's next durable write.
  tx.putDriver({ ...driver, offerStats: { ...driver.offerStats, offered: driver.offerStats.offered + 1 } }, { durable: false });
  if (input.mode === "auto") tx.putDelivery({ ...delivery, autoOfferCount: delivery.autoOfferCount + 1 });
  tx.setTimer("offer_expiry", offer.id, expiresAt);
  tx.audit(
    delivery.id,
    "offer_created",
    { offerId: offer.id, driverId: driver.id, mode: offer.mode, payload, expiresAt: offer.expiresAt },
    input.actor,
  );
  return offer;
}

/** An ops offer of one delivery to one driver; not bound by the zone's dispatch mode. */
export function offerManually(
  tx: ZoneTx,
  deliveryId: string,
  driverId: string,
  expiresInSeconds: number | undefined,
  actor: Actor,
): OfferRecord {
  const delivery = tx.requireDelivery(deliveryId);
  const driver = tx.requireDriver(driverId);
  if (delivery.status !== "ready") throw conflict(`Delivery is ${delivery.status}, not ready`);
  if (driver.availability !== "available") throw conflict(`Driver is ${driver.availability}, not available`);
  if (tx.pendingOffersOfDelivery(deliveryId).some((o) => o.driverId === driverId)) {
    throw conflict("Driver already holds a pending offer for this delivery");
  }
  return createOffer(tx, {
    deliveryId,
    driverId,
    mode: "manual",
    expiresInSeconds: expiresInSeconds ?? tx.zone.settings.offerTimeoutSeconds,
    actor,
  });
}

/** The driver's own PENDING offer, or the reason it cannot be answered. */
function answerableOffer(tx: ZoneTx, driverId: string, offerId: string): OfferRecord {
  const offer = tx.offer(offerId);
  if (!offer || offer.driverId !== driverId) throw notFound("Offer not found");
  if (offer.status !== "PENDING") throw conflict(`Offer already processed (${offer.status})`);
  if (Date.parse(offer.expiresAt) <= tx.now) throw conflict("Offer has expired");
  return offer;
}

function closeOffer(tx: ZoneTx, offer: OfferRecord, status: OfferStatus, fields: Partial<OfferRecord>): OfferRecord {
  tx.clearTimer("offer_expiry", offer.id);
  return tx.putOffer({ ...offer, ...fields, status });
}

function excludeFrom(tx: ZoneTx, deliveryId: string, driverId: string): DeliveryRecord {
  const delivery = tx.requireDelivery(deliveryId);
  if (delivery.excludedDriverIds.includes(driverId)) return delivery;
  return tx.putDelivery({ ...delivery, excludedDriverIds: [...delivery.excludedDriverIds, driverId] });
}

export interface Acceptance {
  assignment: AssignmentRecord;
  offer: OfferRecord;
  responseTimeMs: number;
}

/**
 * Check-and-set of an accept: the offer must be PENDING and unexpired, the driver still
 * available and the delivery still ready. The zone decides one request at a time, so of any
 * number of concurrent accepts for a delivery exactly one passes; the rest see a settled offer.
 */
export function acceptOffer(tx: ZoneTx, driverId: string, offerId: string, claimedAcceptedAt?: string): Acceptance {
  const offer = answerableOffer(tx, driverId, offerId);
  const driver = tx.requireDriver(driverId);
  if (driver.availability !== "available") throw conflict(`Driver is ${driver.availability}, not available`);
  const delivery = tx.requireDelivery(offer.deliveryId);
  if (delivery.status !== "ready") throw conflict(`Delivery is already ${delivery.status}`);
  // The client's clock only shapes the response time, and only within what is possible.
  const created = Date.parse(offer.createdAt);
  const claimed = claimedAcceptedAt ? Date.parse(claimedAcceptedAt) : tx.now;
  const acceptedAt = Math.min(tx.now, Math.max(created, claimed));
  const responseTimeMs = acceptedAt - created;
  const accepted = closeOffer(tx, offer, "ACCEPTED", { acceptedAt: iso(acceptedAt), responseTimeMs });
  tx.putDriver({ ...driver, offerStats: { ...driver.offerStats, accepted: driver.offerStats.accepted + 1 } });
  const assignmentId = tx.newId();
  tx.audit(
    delivery.id,
    "offer_accepted",
    { offerId, driverId, responseTimeMs, assignmentId },
    { type: "driver", id: driverId },
  );
  tx.emit([audience.driver(driverId), audience.ops], {
    type: "offer_accepted",
    offerId,
    driverId,
    deliveryId: delivery.id,
    responseTimeMs,
    assignmentId,
    acceptedAt: iso(acceptedAt),
  });
  const assignment = assignDriver(tx, delivery.id, driverId, { assignmentId, offerId, actor: SYSTEM });
  return { assignment, offer: accepted, responseTimeMs };
}

/** A rejection: the driver stays available and the next candidate is offered at once. */
export function rejectOffer(tx: ZoneTx, driverId: string, offerId: string, reason: string): OfferRecord {
  const offer = answerableOffer(tx, driverId, offerId);
  // A rejection's response time counts towards the driver's average as an accept's does.
  const responseTimeMs = Math.max(0, tx.now - Date.parse(offer.createdAt));
  const rejected = closeOffer(tx, offer, "REJECTED", { rejectedAt: tx.nowIso, rejectionReason: reason, responseTimeMs });
  excludeFrom(tx, offer.deliveryId, driverId);
  tx.audit(offer.deliveryId, "offer_rejected", { offerId, driverId, reason }, { type: "driver", id: driverId });
  tx.emit([audience.driver(driverId), audience.ops], {
    type: "offer_rejected",
    offerId,
    driverId,
    deliveryId: offer.deliveryId,
    reason,
    rejectedAt: tx.nowIso,
  });
  tx.follow.match(offer.deliveryId);
  tx.follow.offerWaitingTo(driverId);
  return rejected;
}

/** The expiry timer: a PENDING offer past `expiresAt` expires and the next candidate is tried. */
export function expireOffer(tx: ZoneTx, offerId: string): OfferRecord | null {
  const offer = tx.offer(offerId);
  if (!offer || offer.status !== "PENDING") return null;
  const due = Date.parse(offer.expiresAt);
  if (due > tx.now) {
    tx.setTimer("offer_expiry", offerId, due);
    return null;
  }
  const expired = closeOffer(tx, offer, "EXPIRED", {});
  excludeFrom(tx, offer.deliveryId, offer.driverId);
  tx.audit(offer.deliveryId, "offer_expired", { offerId, driverId: offer.driverId, expiresAt: offer.expiresAt }, SYSTEM);
  tx.emit([audience.driver(offer.driverId), audience.ops], {
    type: "offer_expired",
    offerId,
    driverId: offer.driverId,
    deliveryId: offer.deliveryId,
    expiresAt: offer.expiresAt,
  });
  tx.follow.match(offer.deliveryId);
  tx.follow.offerWaitingTo(offer.driverId);
  return expired;
}

/** Withdraws a PENDING offer that can no longer be taken up; that driver is not asked again (settle.ts). */
export function withdrawOffer(tx: ZoneTx, offer: OfferRecord, reason: string): OfferRecord {
  const cancelled = closeOffer(tx, offer, "CANCELLED", { cancelReason: reason });
  excludeFrom(tx, offer.deliveryId, offer.driverId);
  tx.audit(offer.deliveryId, "offer_cancelled", { offerId: offer.id, driverId: offer.driverId, reason }, SYSTEM);
  tx.emit([audience.driver(offer.driverId), audience.ops], {
    type: "offer_cancelled",
    offerId: offer.id,
    driverId: offer.driverId,
    deliveryId: offer.deliveryId,
    reason,
    cancelledAt: tx.nowIso,
  });
  return cancelled;
}
