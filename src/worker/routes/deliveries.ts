import { Hono } from "hono";
import { createFactory } from "hono/factory";
import type { Role } from "../../contracts/common";
import { CancelDeliveryBody, CreateDeliveryBody, DeliveryParams, DeliveryView, DriverDeliveryParams, DriverDeliveryStatusBody, DriverDeliveryView, ReleaseDeliveryBody } from "../../contracts/deliveries";
import { ReassignBody } from "../../contracts/offers";
import { orderIdFor } from "../../domain/delivery-intake";
import { pointInPolygon } from "../../domain/geo";
import type { AuditEntry } from "../../domain/model";
import type { AppEnv } from "../app-env";
import { actorOf } from "../caller";
import { forgetEntries, registerDeliveryEntries } from "../directory";
import { unprocessable } from "../http-error";
import { allow, selfOr } from "../middleware/authorize";
import { assignmentView, deliveryView, driverDeliveryView, offerView } from "../presenters";
import { EXAMPLES } from "../route-examples";
import { describe } from "../route-spec";
import { forgetTrackingToken, hashTrackingToken, trackingTokenFor } from "../tracking";
import { trackingLinkOf } from "../tracking-links";
import { readAudit } from "../trail-reads";
import { body, params } from "../validation";
import { createOrUndo, decide, deliveryZone, requireDriverInZone, unwrap, zoneStub } from "../zone-client";
import { zoneForPoint } from "../zone-locator";
import { requireZone } from "../zone-registry";

/**
 * Cancelling a delivery, for the roles that may: the order service's cancel and the ops override
 * next to reassign behave the same; the audit names the caller (ops and admins as "admin").
 */
const cancelBy = (...roles: Role[]) =>
  createFactory<AppEnv>().createHandlers(params(DeliveryParams), body(CancelDeliveryBody), allow(...roles), async (c) => {
    const caller = c.get("caller");
    const { id } = c.req.valid("param");
    const zone = await deliveryZone(c.env, caller.org, id);
    const delivery = unwrap(
      await decide(zone, caller.org, "cancelDelivery", { deliveryId: id, reason: c.req.valid("json").reason, actor: actorOf(caller) }, c.get("traceId")),
    );
    return c.json(deliveryView(delivery, await trackingLinkOf(c, delivery)));
  });

const cancelled = (summary: string) => ({
  summary,
  tag: "Deliveries",
  answers: { 200: { description: "The delivery: pending offers cancelled, an assigned driver freed", schema: DeliveryView } },
});

export const deliveryRoutes = new Hono<AppEnv>()
  .post("/deliveries", describe({ summary: "Create a delivery in the zone that holds its pickup", tag: "Deliveries", example: EXAMPLES.createDelivery, answers: { 201: { description: "The delivery, with its tracking link", schema: DeliveryView } } }), body(CreateDeliveryBody), allow("service", "ops", "admin"), async (c) => {
    const { zoneId: requestedZone, ...input } = c.req.valid("json");
    const caller = c.get("caller");
    const zone = requestedZone
      ? await requireZone(c.env.DB, caller.org, requestedZone)
      : await zoneForPoint(c.env.DB, caller.org, input.pickup);
    if (!zone) throw unprocessable("The pickup point is inside no zone of this organization");
    if (!pointInPolygon(input.pickup, zone.polygon.coordinates)) {
      throw unprocessable("The pickup point is outside the requested zone");
    }
    const id = crypto.randomUUID();
    const orderId = orderIdFor(input);
    const tokenHash = await hashTrackingToken(await trackingTokenFor(c.env, caller.org, id));
    await registerDeliveryEntries(c.env.DB, caller.org, zone.id, id, orderId, tokenHash);
    const delivery = await createOrUndo(
      () =>
        decide(zoneStub(c.env, caller.org, zone.id), caller.org, "createDelivery", {
          delivery: { ...input, id, orderId, trackingTokenHash: tokenHash },
          actor: actorOf(caller),
        }, c.get("traceId")),
      async () => {
        await forgetEntries(c.env.DB, caller.org, [
          { kind: "delivery", ref: id },
          { kind: "order", ref: orderId },
        ]);
        await forgetTrackingToken(c.env.DB, tokenHash);
      },
    );
    return c.json(deliveryView(delivery, await trackingLinkOf(c, delivery)), 201);
  })
  .get("/admin/deliveries/:id", describe({ summary: "Read a delivery with its offers and assignment", tag: "Deliveries", answers: { 200: { description: "The delivery, `offers` and `assignment`" } } }), params(DeliveryParams), allow("ops", "admin"), async (c) => {
    const { org } = c.get("caller");
    const { id } = c.req.valid("param");
    const zone = await deliveryZone(c.env, org, id);
    const { delivery, offers, assignment } = unwrap(await zone.deliveryDetail(org, id));
    return c.json({
      ...deliveryView(delivery, await trackingLinkOf(c, delivery)),
      offers: offers.map(offerView),
      assignment: assignment && assignmentView(assignment),
    });
  })
  .post(
    "/admin/deliveries/:id/reassign",
    describe({ summary: "Reassign a delivery (to a driver, or back to matching)", tag: "Deliveries", answers: { 200: { description: "The delivery", schema: DeliveryView } } }),
    params(DeliveryParams),
    body(ReassignBody),
    allow("ops", "admin"),
    async (c) => {
      const caller = c.get("caller");
      const { id } = c.req.valid("param");
      const { driverId } = c.req.valid("json");
      const zone = await deliveryZone(c.env, caller.org, id);
      if (driverId) await requireDriverInZone(c.env, caller.org, driverId, id);
      const delivery = unwrap(
        await decide(zone, caller.org, "reassignDelivery", { deliveryId: id, ...(driverId ? { driverId } : {}), actor: actorOf(caller) }, c.get("traceId")),
      );
      return c.json(deliveryView(delivery, await trackingLinkOf(c, delivery)));
    },
  )
  .get("/admin/deliveries/:id/audit", describe({ summary: "A delivery's audit trail, versions 1..n", tag: "Deliveries", answers: { 200: { description: "`{ deliveryId, events }`" } } }), params(DeliveryParams), allow("ops", "admin"), async (c) => {
    const { org } = c.get("caller");
    const { id } = c.req.valid("param");
    const zone = await deliveryZone(c.env, org, id);
    // RPC typing cannot express `unknown` detail values; the rows are AuditEntry as written.
    const pending = unwrap(await zone.pendingAudit(org, id)) as AuditEntry[];
    return c.json(await readAudit(c.env.DB, org, id, pending));
  })
  .post("/deliveries/:id/cancel", describe(cancelled("The order service cancels a delivery")), ...cancelBy("service", "ops", "admin"))
  .post("/admin/deliveries/:id/cancel", describe(cancelled("Ops cancel a delivery (an override)")), ...cancelBy("ops", "admin"))
  .post(
    "/drivers/:id/deliveries/:deliveryId/release",
    describe({ summary: "The assigned driver gives a delivery back before pickup", tag: "Deliveries", answers: { 200: { description: "The delivery as its driver sees it", schema: DriverDeliveryView } } }),
    params(DriverDeliveryParams),
    body(ReleaseDeliveryBody),
    selfOr("id"),
    async (c) => {
      const { org } = c.get("caller");
      const { id, deliveryId } = c.req.valid("param");
      const zone = await deliveryZone(c.env, org, deliveryId);
      const delivery = unwrap(
        await decide(zone, org, "releaseDelivery", { driverId: id, deliveryId, reason: c.req.valid("json").reason }, c.get("traceId")),
      );
      return c.json(driverDeliveryView(delivery));
    },
  )
  .post(
    "/drivers/:id/deliveries/:deliveryId/status",
    describe({ summary: "The assigned driver reports picked_up, in_transit, delivered or failed", tag: "Deliveries", example: EXAMPLES.deliveryStatus, answers: { 200: { description: "The delivery as its driver sees it", schema: DriverDeliveryView } } }),
    params(DriverDeliveryParams),
    body(DriverDeliveryStatusBody),
    selfOr("id"),
    async (c) => {
      const { org } = c.get("caller");
      const { id, deliveryId } = c.req.valid("param");
      const { status, reason } = c.req.valid("json");
      const zone = await deliveryZone(c.env, org, deliveryId);
      const delivery = unwrap(
        await decide(zone, org, "reportDeliveryStatus", { driverId: id, deliveryId, status, reason: reason ?? null }, c.get("traceId")),
      );
      return c.json(driverDeliveryView(delivery));
    },
  );
