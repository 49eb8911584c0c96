/**
 * Delivery webhooks through the zone object (docs/api-notes.md "Delivery webhooks"): events are
 * queued in the zone's storage by the decision that caused them, sent beside the zone's work to
 * the real receiver (test/receiver/webhook-receiver.ts), in order per delivery and subscription,
 * retried with backoff, dead-lettered and retryable, and a subscription that keeps failing is
 * switched off. The zone's retry policy is shortened through its test seam.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DeliveryWebhookPolicy } from "../../src/domain/delivery-webhook-policy";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import { newOrg } from "../helpers/api";
import { expectError } from "../helpers/expect-error";
import { moveZoneClock, ok, zoneObject } from "../helpers/zone-object";

type Org = Awaited<ReturnType<typeof newOrg>>;
const BASE = "/admin/webhooks/subscriptions";

interface Received {
  headers: Record<string, string>;
  body: string;
  signatureValid: boolean;
}

const receiverLog = async (name: string): Promise<Received[]> => (await fetch(`${env.WEBHOOK_RECEIVER_URL}/log/${name}`)).json();
const typesOf = (log: Received[]) => log.map((r) => JSON.parse(r.body).type as string);

/** A subscription to the test receiver under a fresh name (`query`: the receiver's fail / delayMs). */
async function subscribe(o: Org, query = "", extra: Record<string, unknown> = {}) {
  const name = `dw-${crypto.randomUUID()}`;
  const url = `${env.WEBHOOK_RECEIVER_URL}/hooks/${name}${query ? `?${query}` : ""}`;
  const subscription = await ok(o.admin.post(BASE, { url, secret: env.WEBHOOK_RECEIVER_SECRET, ...extra }), 201);
  return { name, id: subscription.id as string };
}

async function usePolicy(o: Org, policy: Partial<DeliveryWebhookPolicy>) {
  await runInDurableObject(zoneObject(o), (zone: ZoneDispatcher) => {
    zone.deliveryWebhookPolicy = { ...zone.deliveryWebhookPolicy, ...policy };
  });
}

/** Runs the zone's delivery sends `rounds` times (each waits for a run in flight first). */
async function sendRounds(o: Org, rounds: number) {
  for (let i = 0; i < rounds; i++) await zoneObject(o).deliverDeliveryWebhooks();
}

/** A delivery taken by an online driver and carried to the door: five events. */
async function carriedDelivery(o: Org) {
  const driver = await o.addDriver();
  await ok(driver.client.post(`/drivers/${driver.id}/availability/resume`));
  const delivery = await o.addDelivery();
  const [offer] = (await ok(driver.client.get(`/drivers/${driver.id}/offers?status=PENDING`))).offers;
  await ok(driver.client.post(`/drivers/${driver.id}/offers/${offer.id}/accept`, {}));
  for (const status of ["picked_up", "in_transit", "delivered"]) {
    await ok(driver.client.post(`/drivers/${driver.id}/deliveries/${delivery.id}/status`, { status }));
  }
  return { driver, delivery };
}

const LIFECYCLE = ["delivery.created", "delivery.assigned", "delivery.picked_up", "delivery.in_transit", "delivery.delivered"];

describe("delivery webhooks through the zone", () => {
  it("queues the event in the zone's storage in the decision's own commit, with the audit row's id", async () => {
    const o = await newOrg();
    await subscribe(o);
    const d = await o.addDelivery();
    const stored = await runInDurableObject(zoneObject(o), async (zone: ZoneDispatcher, state) => {
      await zone.decide(o.org, "cancelDelivery", { deliveryId: d.id, reason: "customer_changed_mind", actor: { type: "service", id: null } });
      // Read in the same turn as the commit: no send run can have taken it yet.
      return state.storage.sql.exec<{ id: string; payload: string }>("SELECT id, payload FROM delivery_events ORDER BY seq DESC LIMIT 1").one();
    });
    const audit = (await ok(o.ops.get(`/admin/deliveries/${d.id}/audit`))).events as { id: string; eventType: string }[];
    expect(stored.id).toBe(audit.find((e) => e.eventType === "delivery_cancelled")!.id);
    expect(JSON.parse(stored.payload)).toMatchObject({ type: "delivery.cancelled", data: { deliveryId: d.id, status: "cancelled", reason: "customer_changed_mind" } });
  });

  it("sends a delivery's events in order, signed t=…,v1=…, with the event id and type in headers", async () => {
    const o = await newOrg();
    const hook = await subscribe(o);
    const { delivery, driver } = await carriedDelivery(o);
    await sendRounds(o, 8);
    const log = await receiverLog(hook.name);
    expect(typesOf(log)).toEqual(LIFECYCLE);
    for (const r of log) {
      const body = JSON.parse(r.body);
      expect(r.signatureValid).toBe(true);
      expect(r.headers["x-dispatch-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const t = Number(/^t=(\d+)/.exec(r.headers["x-dispatch-signature"]!)![1]);
      expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
      expect(r.headers["x-dispatch-event"]).toBe(body.type);
      expect(r.headers["x-dispatch-delivery"]).toBe(body.id);
      expect(body).toEqual({
        id: expect.any(String),
        type: expect.any(String),
        createdAt: expect.any(String),
        data: expect.objectContaining({ deliveryId: delivery.id, orderId: delivery.orderId, sellerOrderId: delivery.sellerOrderId, zoneId: o.zone.id }),
      });
    }
    expect(log.map((r) => JSON.parse(r.body).data.status)).toEqual(["ready", "assigned", "picked_up", "in_transit", "delivered"]);
    expect(JSON.parse(log[4]!.body).data.driverId).toBe(driver.id);
  });

  it("sends only the events a subscription's filter names, and nothing to a disabled one", async () => {
    const o = await newOrg();
    const done = await subscribe(o, "", { events: ["delivery.delivered", "delivery.created"] });
    const off = await subscribe(o, "", { enabled: false });
    await carriedDelivery(o);
    await sendRounds(o, 4);
    expect(typesOf(await receiverLog(done.name))).toEqual(["delivery.created", "delivery.delivered"]);
    expect(await receiverLog(off.name)).toEqual([]);
  });

  it("holds a delivery's later events until the earlier one got through, retrying it with backoff under the same id", async () => {
    const o = await newOrg();
    await usePolicy(o, { baseMs: 60_000 });
    const hook = await subscribe(o, "fail=2");
    await carriedDelivery(o);
    await sendRounds(o, 3);
    // The first try failed; the retry waits a minute and nothing later overtakes it.
    expect(typesOf(await receiverLog(hook.name))).toEqual(["delivery.created"]);
    await moveZoneClock(o, 61_000);
    await sendRounds(o, 2);
    expect(typesOf(await receiverLog(hook.name))).toEqual(["delivery.created", "delivery.created"]);
    await moveZoneClock(o, 61_000 + 121_000);
    await sendRounds(o, 8);
    const log = await receiverLog(hook.name);
    expect(typesOf(log)).toEqual(["delivery.created", "delivery.created", ...LIFECYCLE]);
    expect(new Set(log.slice(0, 3).map((r) => r.headers["x-dispatch-delivery"])).size).toBe(1);
    // The success reset the subscription's count of failures in a row.
    expect(await ok(o.admin.get(`${BASE}/${hook.id}`))).toMatchObject({ enabled: true, consecutiveFailures: 0 });
  });

  it("dead-letters an event after the last try, goes on with the next one, and sends it again on retry", async () => {
    const o = await newOrg();
    await usePolicy(o, { baseMs: 1, maxAttempts: 2 });
    const hook = await subscribe(o, "fail=2");
    await carriedDelivery(o);
    await sendRounds(o, 10);
    expect(typesOf(await receiverLog(hook.name))).toEqual(["delivery.created", "delivery.created", ...LIFECYCLE.slice(1)]);
    const { deadLetters } = await ok(o.admin.get(`${BASE}/${hook.id}/dead-letters`));
    expect(deadLetters).toEqual([
      expect.objectContaining({ eventType: "delivery.created", zoneId: o.zone.id, attempts: 2, lastError: "HTTP 500", payload: expect.objectContaining({ type: "delivery.created" }) }),
    ]);
    const [letter] = deadLetters;
    expect(letter.id).toBe(letter.payload.id);

    const other = await subscribe(o);
    await expectError(await o.admin.post(`${BASE}/${other.id}/dead-letters/${letter.id}/retry`), 404);
    await expectError(await o.admin.post(`${BASE}/${hook.id}/dead-letters/${crypto.randomUUID()}/retry`), 404);
    expect(await ok(o.admin.post(`${BASE}/${hook.id}/dead-letters/${letter.id}/retry`))).toEqual({ success: true, id: letter.id, requeuedAt: expect.any(String) });
    expect((await ok(o.admin.get(`${BASE}/${hook.id}/dead-letters`))).deadLetters).toEqual([]);
    await sendRounds(o, 2);
    const log = await receiverLog(hook.name);
    expect(log).toHaveLength(7);
    expect(log[6]!.headers["x-dispatch-delivery"]).toBe(letter.id);
  });

  it("disables a subscription after the failure limit; its queued events go to its dead letters; PATCH enabled re-enables it", async () => {
    const o = await newOrg();
    await usePolicy(o, { baseMs: 1, maxAttempts: 100, disableAfterFailures: 3 });
    const { id } = await ok(o.admin.post(BASE, { url: "http://127.0.0.1:9/down", secret: env.WEBHOOK_RECEIVER_SECRET }), 201);
    const d = await o.addDelivery();
    await sendRounds(o, 3);
    const disabled = await ok(o.admin.get(`${BASE}/${id}`));
    expect(disabled).toMatchObject({ enabled: false, consecutiveFailures: 3, disabledReason: expect.stringMatching(/^disabled after 3 failed sends in a row \(last: /) });
    // The subscriptions are read again after a failure, so the next run sees it disabled.
    await sendRounds(o, 2);
    const { deadLetters } = await ok(o.admin.get(`${BASE}/${id}/dead-letters`));
    expect(deadLetters.map((l: any) => [l.eventType, l.lastError, l.payload.data.deliveryId])).toEqual([["delivery.created", "subscription disabled", d.id]]);
    await expectError(await o.admin.post(`${BASE}/${id}/dead-letters/${deadLetters[0].id}/retry`), 409);

    // Fixed and re-enabled, its dead letter is sent at once (the zone does not go by a stale copy).
    const name = `dw-${crypto.randomUUID()}`;
    const fixed = await ok(o.admin.patch(`${BASE}/${id}`, { enabled: true, url: `${env.WEBHOOK_RECEIVER_URL}/hooks/${name}` }));
    expect(fixed).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
    await ok(o.admin.post(`${BASE}/${id}/dead-letters/${deadLetters[0].id}/retry`));
    await sendRounds(o, 2);
    const log = await receiverLog(name);
    expect(log.map((r) => [r.headers["x-dispatch-delivery"], r.signatureValid])).toEqual([[deadLetters[0].id, true]]);
  });

  it("a slow receiver delays no decision", async () => {
    const o = await newOrg();
    const hook = await subscribe(o, "delayMs=3000");
    const driver = await o.addDriver();
    await ok(driver.client.post(`/drivers/${driver.id}/availability/resume`));
    const delivery = await o.addDelivery();
    const sending = zoneObject(o).deliverDeliveryWebhooks();
    const started = Date.now();
    const [offer] = (await ok(driver.client.get(`/drivers/${driver.id}/offers?status=PENDING`))).offers;
    await ok(driver.client.post(`/drivers/${driver.id}/offers/${offer.id}/accept`, {}));
    await ok(driver.client.post(`/drivers/${driver.id}/deliveries/${delivery.id}/status`, { status: "picked_up" }));
    expect(Date.now() - started).toBeLessThan(1500);
    await sending;
    expect((await receiverLog(hook.name)).length).toBeGreaterThanOrEqual(1);
  });
});
