import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import { newOrg } from "../helpers/api";
import { receiverLog, sendWebhooks, useReceiver } from "../helpers/ops-webhook";
import { moveZoneClock, ok, runAlarmNow, zoneObject } from "../helpers/zone-object";
import { runInDurableObject } from "cloudflare:test";

type Org = Awaited<ReturnType<typeof newOrg>>;

const escalationEvents = async (o: Org, deliveryId: string) =>
  ((await ok(o.ops.get(`/admin/deliveries/${deliveryId}/audit`))).events as { eventType: string; details: any; actorType: string; actorId?: string }[]).filter(
    (e) => e.eventType.startsWith("escalation_"),
  );

const recordOf = async (o: Org, deliveryId: string) =>
  ((await ok(o.ops.get("/admin/unassigned-orders"))).orders as any[]).find((r) => r.deliveryId === deliveryId);

const ticketsOf = async (o: Org, deliveryId: string) =>
  ((await ok(o.ops.get("/admin/support-tickets"))).tickets as any[]).filter((t) => t.deliveryId === deliveryId);

/** Moves the zone's clock `seconds` past now and runs its alarm. */
async function alarmAfter(o: Org, seconds: number) {
  await moveZoneClock(o, seconds * 1000);
  await runAlarmNow(o);
}

describe("escalation ladder through the zone's alarm", () => {
  it("climbs 1 → 2 → 3 with thresholds in seconds: one ticket, one audit event per level", async () => {
    const o = await newOrg({ escalationSeconds: [1, 2, 3] });
    const d = await o.addDelivery();
    expect((await recordOf(o, d.id)).escalationLevel).toBe(0);

    await alarmAfter(o, 1.2);
    expect(await recordOf(o, d.id)).toMatchObject({ escalationLevel: 1, escalationStatus: "NOTIFIED" });
    await alarmAfter(o, 1.5); // a retry at the same level
    await alarmAfter(o, 2.2);
    expect((await recordOf(o, d.id)).escalationLevel).toBe(2);
    await alarmAfter(o, 3.2);
    await alarmAfter(o, 60);

    const record = await recordOf(o, d.id);
    expect(record).toMatchObject({ escalationLevel: 3, escalationStatus: "NOTIFIED", failureReason: "zone_empty" });
    const tickets = await ticketsOf(o, d.id);
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ id: record.supportTicketId, priority: "high", status: "OPEN", zoneId: o.zone.id, sellerOrderId: d.sellerOrderId });
    expect((await escalationEvents(o, d.id)).map((e) => [e.eventType, e.details.level, e.actorType])).toEqual([
      ["escalation_triggered", 1, "system"],
      ["escalation_triggered", 2, "system"],
      ["escalation_critical", 3, "system"],
    ]);
    const health = (await ok(o.ops.get(`/admin/zones/${o.zone.id}`))).health;
    expect(health).toMatchObject({ pendingDeliveries: 1, pendingOffers: 0, unassignedByLevel: { "0": 0, "1": 0, "2": 0, "3": 1 } });
  });

  it("stops when a driver comes online and accepts before the next level", async () => {
    const o = await newOrg({ escalationSeconds: [1, 5, 10] });
    const d = await o.addDelivery();
    await alarmAfter(o, 1.2);
    const driver = await o.addDriver();
    await ok(driver.client.post(`/drivers/${driver.id}/availability/resume`));
    const offers = (await ok(driver.client.get(`/drivers/${driver.id}/offers?status=PENDING`))).offers;
    expect(offers.map((x: any) => x.deliveryId)).toEqual([d.id]);
    expect((await ok(o.ops.get(`/admin/zones/${o.zone.id}`))).health.pendingOffers).toBe(1);
    await ok(driver.client.post(`/drivers/${driver.id}/offers/${offers[0].id}/accept`, {}));

    await alarmAfter(o, 30);
    expect(await recordOf(o, d.id)).toMatchObject({ escalationLevel: 1, escalationStatus: "REASSIGNED" });
    expect((await escalationEvents(o, d.id)).map((e) => e.details.level)).toEqual([1]);
  });

  it("check run twice, concurrently with the alarm and a manual escalation, fires each level once", async () => {
    const o = await newOrg({ escalationSeconds: [1, 600, 1200] });
    const deliveries = await Promise.all([o.addDelivery(), o.addDelivery(), o.addDelivery(), o.addDelivery({ dispatch: "manual" })]);
    const raced = await recordOf(o, deliveries[0].id);
    await moveZoneClock(o, 1500);
    const [first, , second, manual] = await Promise.all([
      ok(o.ops.post("/admin/escalation/check")),
      runAlarmNow(o),
      ok(o.admin.post("/admin/escalation/check")),
      o.ops.post(`/admin/unassigned-orders/${raced.id}/escalate`, { level: 1, reason: "racing the ladder" }),
    ]);
    expect(first.checked).toBe(4);
    expect(first.escalated + second.escalated).toBeLessThanOrEqual(4);
    // Whoever came first fired level 1; a manual escalation that came second finds it done.
    expect([200, 409]).toContain(manual.status);
    expect(await ok(o.ops.post("/admin/escalation/check"))).toEqual({ checked: 4, escalated: 0 });
    for (const d of deliveries) {
      expect((await escalationEvents(o, d.id)).map((e) => e.details.level), d.id).toEqual([1]);
      expect(await ticketsOf(o, d.id)).toHaveLength(1);
    }
    const summary = (await ok(o.ops.get(`/admin/unassigned-orders?zoneId=${o.zone.id}`))).summary;
    expect(summary.total).toBe(4);
    expect(summary.byEscalationLevel).toMatchObject({ "0": 0, "1": 4 });
  });

  it("seed 000 Escalation Flow: a delivery waiting 6 minutes is escalated by the check", async () => {
    const o = await newOrg();
    const d = await o.addDelivery();
    // The write-out alarm runs first, so the ladder's next alarm stands 5 minutes out in real time.
    await runAlarmNow(o);
    await moveZoneClock(o, 6 * 60_000);
    expect(await ok(o.ops.post("/admin/escalation/check"))).toEqual({ checked: 1, escalated: 1 });

    const record = await recordOf(o, d.id);
    expect(record.escalationLevel).toBe(1);
    expect(record.supportTicketId).toEqual(expect.any(String));
    const [event] = await escalationEvents(o, d.id);
    expect(event?.eventType).toBe("escalation_triggered");
    expect(event?.details.level).toBe(1);
    const [ticket] = await ticketsOf(o, d.id);
    expect(ticket).toMatchObject({ id: record.supportTicketId, priority: "high", status: "OPEN" });
  });
});

/** A waiting, escalated delivery with nobody online also raises a low_health zone alert; these tests count escalation notices only. */
const NO_ZONE_ALERTS = { alerts: { minHealthScore: 0 } };

describe("ops webhook", () => {
  it("POSTs escalations and tickets signed with the org's secret, retrying failures with backoff", async () => {
    const o = await newOrg(NO_ZONE_ALERTS);
    const name = crypto.randomUUID();
    await useReceiver(o, name, 2);
    const d = await o.addDelivery();
    const record = await recordOf(o, d.id);
    await ok(o.ops.post(`/admin/unassigned-orders/${record.id}/escalate`, { level: 1, reason: "VIP" }));

    await sendWebhooks(o);
    expect((await receiverLog(name)).length).toBe(2); // both answered 500
    await sendWebhooks(o);
    expect((await receiverLog(name)).length, "nothing is retried before its backoff").toBe(2);
    await moveZoneClock(o, 6000);
    await sendWebhooks(o);

    const log = await receiverLog(name);
    expect(log).toHaveLength(4);
    for (const r of log) {
      expect(r.signatureValid, r.headers["x-dispatch-signature"]).toBe(true);
      expect(r.headers["content-type"]).toBe("application/json");
    }
    const notices = log.map((r) => JSON.parse(r.body));
    expect(new Set(notices.map((n) => n.id)).size, "a retry carries the same notice id").toBe(2);
    expect(notices.slice(2).map((n) => n.type).sort()).toEqual(["support_ticket_created", "unassigned_order_escalated"]);
    const escalated = notices.find((n) => n.type === "unassigned_order_escalated");
    expect(escalated).toMatchObject({ orgId: o.org, zoneId: o.zone.id, severity: "warning", data: { deliveryId: d.id, level: 1 } });
  });

  it("dead-letters a notice after 8 failed attempts; ops can send it again", async () => {
    const o = await newOrg(NO_ZONE_ALERTS);
    const failing = crypto.randomUUID();
    await useReceiver(o, failing, 1000);
    const d = await o.addDelivery({ dispatch: "manual" });
    await moveZoneClock(o, 300_000);
    await ok(o.ops.post("/admin/escalation/check"));

    // Attempts at 0, 5, 10, 20 … s: move far enough past each backoff.
    for (let attempt = 1, ahead = 300_000; attempt <= 8; attempt++, ahead += 700_000) {
      await moveZoneClock(o, ahead);
      await sendWebhooks(o);
    }
    expect((await receiverLog(failing)).length).toBe(16);
    const { deadLetters } = await ok(o.admin.get("/admin/webhooks/dead-letters"));
    expect(deadLetters).toHaveLength(2);
    expect(deadLetters.map((x: any) => x.attempts)).toEqual([8, 8]);
    expect(deadLetters[0].lastError).toBe("HTTP 500");
    const stuck = deadLetters.find((x: any) => x.eventType === "support_ticket_created");
    expect(stuck.payload.data.deliveryId).toBe(d.id);

    const healthy = crypto.randomUUID();
    await useReceiver(o, healthy);
    await ok(o.admin.post(`/admin/webhooks/dead-letters/${stuck.id}/retry`));
    await sendWebhooks(o);
    const resent = await receiverLog(healthy);
    expect(resent.map((r) => JSON.parse(r.body).id)).toEqual([stuck.id]);
    expect(resent[0]!.signatureValid).toBe(true);
    expect((await ok(o.admin.get("/admin/webhooks/dead-letters"))).deadLetters.map((x: any) => x.id)).not.toContain(stuck.id);
  });

  it("a receiver that is down delays neither escalation nor dispatch", async () => {
    const o = await newOrg({ ...NO_ZONE_ALERTS, escalationSeconds: [1, 600, 1200] });
    await ok(
      o.admin.patch("/admin/settings", { opsWebhookUrl: "http://127.0.0.1:9/unreachable", opsWebhookSecret: env.WEBHOOK_RECEIVER_SECRET }),
    );
    const d = await o.addDelivery();
    await alarmAfter(o, 1.5);
    expect((await recordOf(o, d.id)).escalationLevel).toBe(1);
    const driver = await o.addDriver();
    await ok(driver.client.post(`/drivers/${driver.id}/availability/resume`));
    const [offer] = (await ok(driver.client.get(`/drivers/${driver.id}/offers?status=PENDING`))).offers;
    await ok(driver.client.post(`/drivers/${driver.id}/offers/${offer.id}/accept`, {}));
    await sendWebhooks(o);
    const queued = await runInDurableObject(zoneObject(o), (_zone: ZoneDispatcher, state) =>
      state.storage.sql.exec<{ attempts: number }>("SELECT attempts FROM webhook_queue").toArray(),
    );
    expect(queued.length).toBe(2);
    expect(queued.every((row) => row.attempts >= 1)).toBe(true);
  });
});
