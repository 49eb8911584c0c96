/**
 * The escalation routes over HTTP (docs/api-notes.md "Escalation and ops", docs/api-notes.md "Escalation
 * and ops"): the cross-zone unassigned list with its filters and summary, manual escalation, the
 * ladder check, support tickets, the ops cancel, and who may call each. Unassigned records come
 * from auto deliveries in zones without drivers (the zone records them at once, `zone_empty`);
 * tickets are either inserted into D1 as a zone writes them, or opened by a real escalation.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { supportTickets } from "../../src/db/d1-schema";
import { type Client, client, json, newOrg, send } from "../helpers/api";
import { squarePolygon } from "../helpers/geometry";
import { expectError, expectValidationError, isoMs, uuidPattern } from "../helpers/expect-error";
import { moveZoneClock, ok, sleep, zoneObject } from "../helpers/zone-object";

type Org = Awaited<ReturnType<typeof newOrg>>;

const NORTH = { lat: 13.3, lon: 77.6 };

async function addNorthZone(o: Org): Promise<{ id: string }> {
  return ok(o.admin.post("/admin/zones", { name: "North", polygon: squarePolygon(NORTH) }), 201);
}

const unassigned = (reader: Client, queryString = "") => ok(reader.get(`/admin/unassigned-orders${queryString}`));

/** A ticket row as a zone's outbox writes it (OPEN), straight into D1. */
async function insertTicket(o: Org, overrides: Partial<typeof supportTickets.$inferInsert> = {}) {
  const ticket = {
    id: crypto.randomUUID(),
    orgId: o.org,
    zoneId: o.zone.id,
    deliveryId: crypto.randomUUID(),
    sellerOrderId: `ORD-${crypto.randomUUID().slice(0, 8)}`,
    priority: "high",
    title: "Order unassigned for 5 minutes",
    description: "Nobody took it",
    status: "OPEN" as const,
    createdAt: new Date().toISOString(),
    ...overrides,
  };
  await drizzle(env.DB).insert(supportTickets).values(ticket);
  return ticket;
}

describe("GET /v2/admin/unassigned-orders", () => {
  it("lists the org's records across zones, newest first, without waiting for a flush", async () => {
    const o = await newOrg();
    const north = await addNorthZone(o);
    const first = await o.addDelivery();
    await sleep(3);
    const second = await o.addDelivery({ pickup: NORTH, dropoff: NORTH });
    await sleep(3);
    const third = await o.addDelivery();

    const { orders, summary } = await unassigned(o.ops);
    expect(orders.map((r: any) => r.deliveryId)).toEqual([third.id, second.id, first.id]);
    expect(orders[1]).toEqual({
      id: expect.stringMatching(uuidPattern),
      deliveryId: second.id,
      sellerOrderId: second.sellerOrderId,
      location: NORTH,
      failureReason: "zone_empty",
      firstAttemptAt: expect.stringMatching(isoMs),
      lastAttemptAt: expect.stringMatching(isoMs),
      attemptCount: 1,
      escalationLevel: 0,
      escalationStatus: "PENDING",
    });
    expect(summary).toEqual({
      total: 3,
      byEscalationLevel: { "0": 3, "1": 0, "2": 0, "3": 0 },
      byFailureReason: { no_available_drivers: 0, all_drivers_busy: 0, distance_exceeded: 0, zone_empty: 3, offers_exhausted: 0 },
    });
    expect((await unassigned(o.admin, `?zoneId=${north.id}`)).orders.map((r: any) => r.deliveryId)).toEqual([second.id]);
  });

  it("filters by level and status; the summary counts every match, not just the page", async () => {
    const o = await newOrg();
    const kept = await o.addDelivery();
    const cancelled = await o.addDelivery();
    await ok(o.ops.post(`/admin/deliveries/${cancelled.id}/cancel`, { reason: "duplicate order" }));

    const page = await unassigned(o.ops, "?limit=1");
    expect(page.orders).toHaveLength(1);
    expect(page.summary.total).toBe(2);

    const pending = await unassigned(o.ops, "?status=PENDING&escalationLevel=0");
    expect(pending.orders.map((r: any) => r.deliveryId)).toEqual([kept.id]);
    expect(pending.summary).toMatchObject({ total: 1, byEscalationLevel: { "0": 1 } });
    const gone = await unassigned(o.ops, "?status=CANCELLED");
    expect(gone.orders.map((r: any) => [r.deliveryId, r.escalationStatus])).toEqual([[cancelled.id, "CANCELLED"]]);

    expect(await unassigned(o.ops, "?escalationLevel=2")).toEqual({
      orders: [],
      summary: {
        total: 0,
        byEscalationLevel: { "0": 0, "1": 0, "2": 0, "3": 0 },
        byFailureReason: { no_available_drivers: 0, all_drivers_busy: 0, distance_exceeded: 0, zone_empty: 0, offers_exhausted: 0 },
      },
    });
  });

  it("rejects bad filters with details, and an unknown zone with 404", async () => {
    const o = await newOrg();
    const cases: [string, string][] = [
      ["?zoneId=nope", "query.zoneId"],
      ["?escalationLevel=4", "query.escalationLevel"],
      ["?escalationLevel=", "query.escalationLevel"],
      ["?escalationLevel=one", "query.escalationLevel"],
      ["?status=DONE", "query.status"],
      ["?limit=0", "query.limit"],
      ["?limit=501", "query.limit"],
      ["?limit=2.5", "query.limit"],
      ["?level=1", "query.level"],
    ];
    for (const [queryString, path] of cases) await expectValidationError(await o.ops.get(`/admin/unassigned-orders${queryString}`), path);
    await expectError(await o.ops.get(`/admin/unassigned-orders?zoneId=${crypto.randomUUID()}`), 404);
  });

  it("keeps organizations apart: another org sees none of the records nor the zone", async () => {
    const a = await newOrg();
    await a.addDelivery();
    const b = await newOrg();
    const { orders, summary } = await unassigned(b.ops);
    expect(orders).toEqual([]);
    expect(summary.total).toBe(0);
    await expectError(await b.ops.get(`/admin/unassigned-orders?zoneId=${a.zone.id}`), 404);
    const record = (await unassigned(a.ops)).orders[0];
    await expectError(await b.ops.post(`/admin/unassigned-orders/${record.id}/escalate`, { level: 1, reason: "mine now" }), 404);
    expect((await unassigned(a.ops)).orders[0]).toMatchObject({ escalationLevel: 0, escalationStatus: "PENDING" });
  });
});

describe("POST /v2/admin/unassigned-orders/:id/escalate (validation)", () => {
  it("rejects a bad body or id before looking anything up; an unknown record is 404", async () => {
    const o = await newOrg();
    const path = `/admin/unassigned-orders/${crypto.randomUUID()}/escalate`;
    const cases: [unknown, string][] = [
      [{ level: 0, reason: "r" }, "body.level"],
      [{ level: 4, reason: "r" }, "body.level"],
      [{ level: 1.5, reason: "r" }, "body.level"],
      [{ level: "2", reason: "r" }, "body.level"],
      [{ level: 1 }, "body.reason"],
      [{ level: 1, reason: "  " }, "body.reason"],
      [{ level: 1, reason: "x".repeat(501) }, "body.reason"],
      [{ level: 1, reason: "r", notes: "x".repeat(2001) }, "body.notes"],
      [{ level: 1, reason: "r", priority: "high" }, "body.priority"],
    ];
    for (const [payload, detail] of cases) await expectValidationError(await o.ops.post(path, payload), detail);
    await expectValidationError(await o.ops.post("/admin/unassigned-orders/not-a-uuid/escalate", { level: 1, reason: "r" }), "params.id");
    await expectError(await o.ops.post(path, { level: 1, reason: "r", notes: "x".repeat(2000) }), 404);
  });
});

describe("POST /v2/admin/escalation/check", () => {
  it("answers zeros for an org without zones and rejects a body", async () => {
    const ops = await client("ops", crypto.randomUUID());
    expect(await ok(ops.post("/admin/escalation/check"))).toEqual({ checked: 0, escalated: 0 });
    await expectValidationError(await ops.post("/admin/escalation/check", { force: true }), "body.force");
  });
});

describe("support tickets", () => {
  it("lists the org's tickets newest first, filtered by status and zone", async () => {
    const o = await newOrg();
    const north = await addNorthZone(o);
    const old = await insertTicket(o, { createdAt: "2026-01-01T10:00:00.000Z" });
    const recent = await insertTicket(o, { zoneId: north.id, createdAt: "2026-01-02T10:00:00.000Z" });
    const resolved = await insertTicket(o, { createdAt: "2026-01-03T10:00:00.000Z" });
    await ok(o.ops.post(`/admin/support-tickets/${resolved.id}/resolve`, { resolution: "driver found by phone" }));

    const { tickets } = await ok(o.ops.get("/admin/support-tickets"));
    expect(tickets.map((t: any) => t.id)).toEqual([resolved.id, recent.id, old.id]);
    const { orgId: _org, ...view } = old;
    expect(tickets[2]).toEqual(view);
    expect(tickets[0]).toMatchObject({ status: "RESOLVED", resolution: "driver found by phone", resolvedBy: o.ops.sub });
    expect((await ok(o.admin.get("/admin/support-tickets?status=OPEN"))).tickets.map((t: any) => t.id)).toEqual([recent.id, old.id]);
    expect((await ok(o.admin.get(`/admin/support-tickets?zoneId=${north.id}`))).tickets.map((t: any) => t.id)).toEqual([recent.id]);
    expect((await ok(o.admin.get("/admin/support-tickets?limit=1"))).tickets.map((t: any) => t.id)).toEqual([resolved.id]);

    for (const [queryString, path] of [
      ["?status=CLOSED", "query.status"],
      ["?zoneId=x", "query.zoneId"],
      ["?limit=0", "query.limit"],
      ["?sort=asc", "query.sort"],
    ]) {
      await expectValidationError(await o.ops.get(`/admin/support-tickets${queryString}`), path);
    }
    await expectError(await o.ops.get(`/admin/support-tickets?zoneId=${crypto.randomUUID()}`), 404);
  });

  it("resolves a ticket once: the answer is the ticket, a second resolve is 409", async () => {
    const o = await newOrg();
    const ticket = await insertTicket(o);
    const resolved = await ok(o.admin.post(`/admin/support-tickets/${ticket.id}/resolve`));
    expect(resolved).toMatchObject({ id: ticket.id, status: "RESOLVED", resolvedBy: o.admin.sub, resolvedAt: expect.stringMatching(isoMs) });
    expect(resolved).not.toHaveProperty("resolution");
    const again = await expectError(await o.ops.post(`/admin/support-tickets/${ticket.id}/resolve`, { resolution: "late" }), 409);
    expect(again.message).toMatch(/already resolved/);
    expect((await ok(o.ops.get("/admin/support-tickets"))).tickets[0]).toEqual(resolved);
  });

  it("lets exactly one of two concurrent resolves win", async () => {
    const o = await newOrg();
    const ticket = await insertTicket(o);
    const answers = await Promise.all([
      o.ops.post(`/admin/support-tickets/${ticket.id}/resolve`, { resolution: "first" }),
      o.admin.post(`/admin/support-tickets/${ticket.id}/resolve`, { resolution: "second" }),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = await json(answers.find((r) => r.status === 200)!);
    expect((await ok(o.ops.get("/admin/support-tickets"))).tickets[0]).toMatchObject({ resolution: winner.resolution, resolvedBy: winner.resolvedBy });
  });

  it("validates the resolve request and answers 404 for unknown tickets and other orgs' tickets", async () => {
    const a = await newOrg();
    const b = await newOrg();
    const ticket = await insertTicket(a);
    await expectValidationError(await a.ops.post(`/admin/support-tickets/${ticket.id}/resolve`, { resolution: "x".repeat(2001) }), "body.resolution");
    await expectValidationError(await a.ops.post(`/admin/support-tickets/${ticket.id}/resolve`, { note: "x" }), "body.note");
    await expectValidationError(await a.ops.post("/admin/support-tickets/42/resolve"), "params.id");
    await expectError(await a.ops.post(`/admin/support-tickets/${crypto.randomUUID()}/resolve`), 404);

    expect((await ok(b.ops.get("/admin/support-tickets"))).tickets).toEqual([]);
    await expectError(await b.admin.post(`/admin/support-tickets/${ticket.id}/resolve`), 404);
    expect((await ok(a.ops.get("/admin/support-tickets"))).tickets[0].status).toBe("OPEN");
  });
});

describe("POST /v2/admin/deliveries/:id/cancel", () => {
  it("cancels like the service's cancel, audited as an admin action of the caller", async () => {
    const o = await newOrg();
    const delivery = await o.addDelivery();
    const cancelled = await ok(o.ops.post(`/admin/deliveries/${delivery.id}/cancel`, { reason: "store closed" }));
    expect(cancelled).toMatchObject({ id: delivery.id, status: "cancelled", statusReason: "store closed" });
    const events = (await ok(o.admin.get(`/admin/deliveries/${delivery.id}/audit`))).events;
    expect(events.find((e: any) => e.eventType === "delivery_cancelled")).toMatchObject({ actorType: "admin", actorId: o.ops.sub });

    await expectError(await o.admin.post(`/admin/deliveries/${delivery.id}/cancel`, { reason: "again" }), 409);
    await expectValidationError(await o.ops.post(`/admin/deliveries/${delivery.id}/cancel`, {}), "body.reason");
    await expectValidationError(await o.ops.post(`/admin/deliveries/${delivery.id}/cancel`, { reason: "x", force: true }), "body.force");
    await expectError(await o.ops.post(`/admin/deliveries/${crypto.randomUUID()}/cancel`, { reason: "x" }), 404);
    const other = await newOrg();
    await expectError(await other.ops.post(`/admin/deliveries/${(await o.addDelivery()).id}/cancel`, { reason: "x" }), 404);
  });
});

describe("who may call the escalation routes", () => {
  const routes = (recordId: string, ticketId: string, deliveryId: string): [string, string, unknown?][] => [
    ["GET", "/admin/unassigned-orders"],
    ["POST", `/admin/unassigned-orders/${recordId}/escalate`, { level: 1, reason: "r" }],
    ["POST", "/admin/escalation/check"],
    ["GET", "/admin/support-tickets"],
    ["POST", `/admin/support-tickets/${ticketId}/resolve`],
    ["POST", `/admin/deliveries/${deliveryId}/cancel`, { reason: "r" }],
  ];

  it("answers 401 without a valid token, 403 to drivers and the order service, in that order", async () => {
    const o = await newOrg();
    const driver = await o.addDriver();
    const delivery = await o.addDelivery();
    for (const [method, path, payload] of routes(crypto.randomUUID(), crypto.randomUUID(), delivery.id)) {
      const unauthorized = await expectError(await send(method, path, undefined, payload), 401);
      expect(unauthorized.message).toContain("Unauthorized");
      for (const caller of [driver.client, o.service]) {
        const res = method === "GET" ? await caller.get(path) : await caller.post(path, payload);
        expect((await expectError(res, 403)).message, `${caller.role} ${method} ${path}`).toContain("Forbidden");
      }
    }
    // 400 beats 403: an invalid request from a caller who may not make it.
    await expectValidationError(await driver.client.get("/admin/unassigned-orders?status=nope"), "query.status");
    await expectValidationError(await o.service.post(`/admin/unassigned-orders/${crypto.randomUUID()}/escalate`, { level: 9, reason: "r" }), "body.level");
    await expectValidationError(await o.service.post(`/admin/deliveries/${delivery.id}/cancel`, {}), "body.reason");
    expect((await ok(o.ops.get(`/admin/deliveries/${delivery.id}`))).status).toBe("ready");
  });

  it("lets ops and admins read", async () => {
    const o = await newOrg();
    for (const caller of [o.ops, o.admin]) {
      expect((await caller.get("/admin/unassigned-orders")).status).toBe(200);
      expect((await caller.get("/admin/support-tickets")).status).toBe(200);
      expect((await caller.post("/admin/escalation/check")).status).toBe(200);
    }
  });
});

/*
 * Below: behaviour that needs the zone's escalation (src/domain/escalation.ts): manual
 * escalation opens a ticket, the check runs the ladder in every zone of the org.
 */
describe("escalation through the zones", () => {
  it("escalates a record by hand: ticket, audit by the caller, 409 for a level not above", async () => {
    const o = await newOrg();
    const delivery = await o.addDelivery();
    const [record] = (await unassigned(o.ops)).orders;
    const answer = await ok(o.ops.post(`/admin/unassigned-orders/${record.id}/escalate`, { level: 1, reason: "VIP customer", notes: "call the store" }));
    expect(answer).toEqual({
      success: true,
      escalatedAt: expect.stringMatching(isoMs),
      newEscalationLevel: 1,
      supportTicketId: expect.stringMatching(uuidPattern),
    });

    const [after] = (await unassigned(o.ops)).orders;
    expect(after).toMatchObject({ id: record.id, escalationLevel: 1, escalationStatus: "NOTIFIED", supportTicketId: answer.supportTicketId });
    const { tickets } = await ok(o.ops.get("/admin/support-tickets?status=OPEN"));
    expect(tickets).toEqual([expect.objectContaining({ id: answer.supportTicketId, deliveryId: delivery.id, zoneId: o.zone.id, status: "OPEN" })]);
    const events = (await ok(o.ops.get(`/admin/deliveries/${delivery.id}/audit`))).events;
    expect(events.find((e: any) => e.eventType === "escalation_triggered")).toMatchObject({
      actorType: "admin",
      actorId: o.ops.sub,
      details: { level: 1 },
    });

    await expectError(await o.admin.post(`/admin/unassigned-orders/${record.id}/escalate`, { level: 1, reason: "again" }), 409);
    await ok(o.ops.post(`/admin/support-tickets/${answer.supportTicketId}/resolve`, { resolution: "handled" }));
    await ok(o.ops.post(`/admin/deliveries/${delivery.id}/cancel`, { reason: "customer gave up" }));
    await expectError(await o.admin.post(`/admin/unassigned-orders/${record.id}/escalate`, { level: 2, reason: "too late" }), 409);
  });

  it("resolves a ticket the zone has not flushed yet (read-your-writes)", async () => {
    const o = await newOrg();
    await o.addDelivery();
    const [record] = (await unassigned(o.ops)).orders;
    const { supportTicketId } = await ok(o.ops.post(`/admin/unassigned-orders/${record.id}/escalate`, { level: 1, reason: "now" }));
    expect(await ok(o.ops.post(`/admin/support-tickets/${supportTicketId}/resolve`))).toMatchObject({ id: supportTicketId, status: "RESOLVED" });
  });

  it("runs the ladder in every zone of the org; a second check escalates nothing", async () => {
    const o = await newOrg();
    const north = await addNorthZone(o);
    await o.addDelivery();
    await o.addDelivery({ pickup: NORTH, dropoff: NORTH });
    // Flushed first: an outbox flush alarm firing after the clocks move would run the ladder
    // itself and leave the check less to do. Then the next alarm is real time + 5 min.
    const northZone = { org: o.org, zone: north };
    for (const zone of [o, northZone]) expect(await zoneObject(zone).flushOutbox()).toEqual({ remaining: 0 });
    await moveZoneClock(o, 6 * 60_000);
    await moveZoneClock(northZone, 6 * 60_000);
    expect(await ok(o.ops.post("/admin/escalation/check"))).toEqual({ checked: 2, escalated: 2 });
    expect(await ok(o.admin.post("/admin/escalation/check"))).toEqual({ checked: 2, escalated: 0 });
    expect((await unassigned(o.ops)).summary.byEscalationLevel).toEqual({ "0": 0, "1": 2, "2": 0, "3": 0 });
  });
});
