import { Hono } from "hono";
import { z } from "zod";
import { EmptyBody } from "../../contracts/common";
import { EscalateBody, RecordParams, ResolveTicketBody, SupportTicketView, SupportTicketsQuery, UnassignedOrdersQuery } from "../../contracts/escalation";
import type { AppEnv } from "../app-env";
import { actorOf } from "../caller";
import { conflict, notFound } from "../http-error";
import { allow } from "../middleware/authorize";
import { flushZones, lookUpFlushed, zoneIdsOf } from "../org-zones";
import { EXAMPLES } from "../route-examples";
import { describe } from "../route-spec";
import { listTickets, resolveTicket, ticketView } from "../support-tickets";
import { findUnassigned, listUnassigned } from "../unassigned-orders";
import { body, params, query } from "../validation";
import { decide, unwrap, zoneStub } from "../zone-client";

/** Unassigned orders, the escalation ladder and support tickets (docs/api-notes.md "Escalation and ops"). */
export const escalationRoutes = new Hono<AppEnv>()
  .get("/admin/unassigned-orders", describe({ summary: "Orders nobody has taken, with counts by level and reason", tag: "Escalation", answers: { 200: { description: "`{ orders, summary, … }`" } } }), query(UnassignedOrdersQuery), allow("ops", "admin"), async (c) => {
    const { org } = c.get("caller");
    const filters = c.req.valid("query");
    await flushZones(c.env, org, await zoneIdsOf(c.env.DB, org, filters.zoneId));
    return c.json(await listUnassigned(c.env.DB, org, filters));
  })
  .post(
    "/admin/unassigned-orders/:id/escalate",
    describe({ summary: "Escalate an unassigned order by hand", tag: "Escalation", example: EXAMPLES.escalate, answers: { 200: { description: "`{ success, escalatedAt, newEscalationLevel, supportTicketId }`" } } }),
    params(RecordParams),
    body(EscalateBody),
    allow("ops", "admin"),
    async (c) => {
      const caller = c.get("caller");
      const { id } = c.req.valid("param");
      const record = await lookUpFlushed(c.env, caller.org, () => findUnassigned(c.env.DB, caller.org, id));
      if (!record) throw notFound("Unassigned order not found");
      const request = { recordId: id, deliveryId: record.deliveryId, ...c.req.valid("json") };
      const zone = zoneStub(c.env, caller.org, record.zoneId);
      return c.json(unwrap(await decide(zone, caller.org, "escalate", { request, actor: actorOf(caller) }, c.get("traceId"))));
    },
  )
  .post("/admin/escalation/check", describe({ summary: "Run the escalation ladder in every zone now", tag: "Escalation", answers: { 200: { description: "`{ checked, escalated }`" } } }), body(EmptyBody), allow("ops", "admin"), async (c) => {
    const { org } = c.get("caller");
    const perZone = await Promise.all(
      (await zoneIdsOf(c.env.DB, org)).map(async (id) => unwrap(await decide(zoneStub(c.env, org, id), org, "checkEscalations", {}, c.get("traceId")))),
    );
    return c.json({
      checked: perZone.reduce((sum, zone) => sum + zone.checked, 0),
      escalated: perZone.reduce((sum, zone) => sum + zone.escalated, 0),
    });
  })
  .get("/admin/support-tickets", describe({ summary: "List support tickets", tag: "Escalation", answers: { 200: { description: "`{ tickets }`", schema: z.object({ tickets: z.array(SupportTicketView) }) } } }), query(SupportTicketsQuery), allow("ops", "admin"), async (c) => {
    const { org } = c.get("caller");
    const filters = c.req.valid("query");
    await flushZones(c.env, org, await zoneIdsOf(c.env.DB, org, filters.zoneId));
    return c.json({ tickets: (await listTickets(c.env.DB, org, filters)).map(ticketView) });
  })
  .post(
    "/admin/support-tickets/:id/resolve",
    describe({ summary: "Resolve a support ticket", tag: "Escalation", answers: { 200: { description: "The ticket", schema: SupportTicketView } } }),
    params(RecordParams),
    body(ResolveTicketBody),
    allow("ops", "admin"),
    async (c) => {
      const caller = c.get("caller");
      const { id } = c.req.valid("param");
      const resolution = { resolvedBy: caller.sub, resolvedAt: new Date().toISOString(), resolution: c.req.valid("json").resolution ?? null };
      const outcome = await lookUpFlushed(c.env, caller.org, () => resolveTicket(c.env.DB, caller.org, id, resolution));
      if (outcome === null) throw notFound("Support ticket not found");
      if (outcome === "already_resolved") throw conflict("Support ticket is already resolved");
      return c.json(ticketView(outcome));
    },
  );
