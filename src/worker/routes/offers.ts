import { Hono } from "hono";
import { DeliveryParams } from "../../contracts/deliveries";
import { DriverParams } from "../../contracts/drivers";
import { AcceptOfferBody, CreateOfferBody, DriverOffersQuery, OfferParams, RejectOfferBody } from "../../contracts/offers";
import type { AppEnv } from "../app-env";
import { actorOf } from "../caller";
import { allow, selfOr } from "../middleware/authorize";
import { driverOfferView } from "../presenters";
import { EXAMPLES } from "../route-examples";
import { describe } from "../route-spec";
import { body, params, query } from "../validation";
import { callDriverZone, decide, requireDriverInZone, unwrap, zoneStub } from "../zone-client";

/** Offers are answered for at most this many at a time (docs/api.md). */
const OFFER_LIST_LIMIT = 50;

/** Seed 001 "Driver Offers API". */
export const offerRoutes = new Hono<AppEnv>()
  .post("/deliveries/:id/offers", describe({ summary: "Offer a delivery to a driver by hand", tag: "Offers", example: EXAMPLES.manualOffer, answers: { 201: { description: "`{ success, offerId, expiresAt, payload }`" } } }), params(DeliveryParams), body(CreateOfferBody), allow("ops", "admin"), async (c) => {
    const caller = c.get("caller");
    const { id } = c.req.valid("param");
    const { driverId, expiresInSeconds } = c.req.valid("json");
    const zoneId = await requireDriverInZone(c.env, caller.org, driverId, id);
    const offer = unwrap(
      await decide(zoneStub(c.env, caller.org, zoneId), caller.org, "createOffer", {
        deliveryId: id,
        driverId,
        ...(expiresInSeconds === undefined ? {} : { expiresInSeconds }),
        actor: actorOf(caller),
      }, c.get("traceId")),
    );
    return c.json({ success: true, offerId: offer.id, expiresAt: offer.expiresAt, payload: offer.payload }, 201);
  })
  .get("/drivers/:id/offers", describe({ summary: "A driver's offers, newest first", tag: "Offers", answers: { 200: { description: "`{ offers }`" } } }), params(DriverParams), query(DriverOffersQuery), selfOr("id", "ops", "admin"), async (c) => {
    const { org } = c.get("caller");
    const { id } = c.req.valid("param");
    const { status } = c.req.valid("query");
    const offers = await callDriverZone(c.env, org, id, (zone) => zone.driverOffers(org, id, status, OFFER_LIST_LIMIT));
    return c.json({ offers: offers.map(driverOfferView) });
  })
  .post(
    "/drivers/:id/offers/:offerId/accept",
    describe({ summary: "Accept an offer (exactly one accept per delivery wins)", tag: "Offers", example: EXAMPLES.acceptOffer, answers: { 200: { description: "`{ success, assignmentId, deliveryId, driverId, responseTimeMs }`" } } }),
    params(OfferParams),
    body(AcceptOfferBody),
    selfOr("id", "ops", "admin"),
    async (c) => {
      const { org } = c.get("caller");
      const { id, offerId } = c.req.valid("param");
      const { acceptedAt } = c.req.valid("json");
      const accepted = await callDriverZone(c.env, org, id, (zone) =>
        decide(zone, org, "acceptOffer", { driverId: id, offerId, ...(acceptedAt ? { acceptedAt } : {}) }, c.get("traceId")),
      );
      return c.json({ success: true, ...accepted });
    },
  )
  .post(
    "/drivers/:id/offers/:offerId/reject",
    describe({ summary: "Reject an offer", tag: "Offers", answers: { 200: { description: "`{ success, nextOfferId?, reason }`" } } }),
    params(OfferParams),
    body(RejectOfferBody),
    selfOr("id", "ops", "admin"),
    async (c) => {
      const { org } = c.get("caller");
      const { id, offerId } = c.req.valid("param");
      const { reason } = c.req.valid("json");
      const rejected = await callDriverZone(c.env, org, id, (zone) =>
        decide(zone, org, "rejectOffer", { driverId: id, offerId, ...(reason ? { reason } : {}) }, c.get("traceId")),
      );
      return c.json({ success: true, ...rejected });
    },
  );
