import { evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { newOrg } from "../helpers/api";
import { receiverLog, sendWebhooks, useReceiver } from "../helpers/ops-webhook";
import { type Message, closeOpenSockets, openSocket, opsSocketPath } from "../helpers/sockets";
import { ok, sleep, zoneObject } from "../helpers/zone-object";

/*
 * Zone health live, through the Worker and the zone object: the figures on GET and on the ops
 * socket as drivers come online and deliveries wait, the 5 s coalescing in real time, and
 * alerts raised once per crossing (ops event and webhook notice) and cleared.
 */

type Org = Awaited<ReturnType<typeof newOrg>>;

/** Waits a very long time before escalating, so only what a test does moves the figures. */
const QUIET = { escalationSeconds: [86_400, 172_800, 259_200] };

afterEach(closeOpenSockets);

const healthOf = async (o: Org) => (await ok(o.ops.get(`/admin/zones/${o.zone.id}`))).health;
const numbered = (m: Message) => m.type === "zone_health_updated" && m.seq !== undefined;

async function onlineDriver(o: Org) {
  const d = await o.addDriver();
  await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
  return d;
}

describe("zone health", { timeout: 30_000 }, () => {
  it("moves as drivers come online and deliveries wait, on GET and on the ops socket", async () => {
    const o = await newOrg(QUIET);
    const ops = await openSocket(opsSocketPath(o.zone.id), { token: o.ops.token });
    // The current figures come at once, outside the numbered stream.
    const greeting = await ops.waitFor((m) => m.type === "zone_health_updated" && m.seq === undefined);
    expect(greeting).toMatchObject({
      zoneId: o.zone.id,
      zoneName: "Central",
      metrics: { currentDriversOnline: 0, minDriversRequired: 5, avgWaitTimeSeconds: 0, targetWaitTimeSeconds: 300, demandLevel: 1, healthScore: 60 },
    });

    // A delivery with nobody to take it: demand 10, an unassigned record.
    const from = ops.mark();
    await o.addDelivery({ dispatch: "manual" });
    const waiting = await ops.waitFor((m) => numbered(m) && m.metrics.demandLevel === 10, { from, timeoutMs: 8000 });
    expect(waiting.metrics).toMatchObject({ currentDriversOnline: 0, healthScore: 60 });
    expect(await healthOf(o)).toMatchObject({ pendingDeliveries: 1, demandLevel: 10, currentDriversOnline: 0 });

    // Two drivers online: supply 2 of 5, demand 1 + floor(9 × 1 / 3) = 4.
    await onlineDriver(o);
    await onlineDriver(o);
    const staffed = await ops.waitFor((m) => numbered(m) && m.metrics.currentDriversOnline === 2, { from, timeoutMs: 8000 });
    expect(staffed.metrics).toMatchObject({ demandLevel: 4, healthScore: round(100 * (0.4 * (2 / 5) + 0.4 + 0.2)) });
    const health = await healthOf(o);
    expect(health).toMatchObject({ currentDriversOnline: 2, demandLevel: 4, healthScore: 76, alerts: [] });
    expect(Date.parse(health.updatedAt)).toBeGreaterThan(0);
    // The list shows each zone's health too.
    expect((await ok(o.ops.get("/admin/zones"))).zones[0].health).toMatchObject({ currentDriversOnline: 2, demandLevel: 4 });
  });

  it("coalesces a burst of 50 changes into at most 2 events in 5 s, the last with the final figures", async () => {
    const o = await newOrg(QUIET);
    const ops = await openSocket(opsSocketPath(o.zone.id), { token: o.ops.token });
    await ops.waitFor((m) => m.type === "zone_health_updated" && m.seq === undefined);
    await sleep(5_100); // past any announcement made while the zone was set up
    const from = ops.mark();
    const started = Date.now();
    // 25 drivers created and brought online: 50 decisions that each move a figure.
    for (let i = 0; i < 25; i++) await onlineDriver(o);
    const last = await ops.waitFor((m) => numbered(m) && m.metrics.currentDriversOnline === 25, { from, timeoutMs: 10_000 });
    const announced = ops.messages.slice(from).filter(numbered);
    const windowEnd = started + 5_000;
    // Whatever came inside the first 5 s, at most 2; the final state was announced (latest wins).
    expect(announced.filter((m) => Date.parse(m.updatedAt) < windowEnd).length).toBeLessThanOrEqual(2);
    expect(announced.length).toBeLessThanOrEqual(Math.ceil((Date.parse(last.updatedAt) - started) / 5_000) + 1);
    expect(last.metrics).toMatchObject({ currentDriversOnline: 25, healthScore: 100, demandLevel: 1 });
    // Consecutive announcements are at least 5 s apart.
    for (let i = 1; i < announced.length; i++) {
      expect(Date.parse(announced[i]!.updatedAt) - Date.parse(announced[i - 1]!.updatedAt)).toBeGreaterThanOrEqual(5_000);
    }
  });

  it("raises high_unassigned once (ops event + webhook notice), keeps it across a restart, and clears it at 80%", async () => {
    const o = await newOrg({ ...QUIET, alerts: { minHealthScore: 0, maxUnassigned: 2 } });
    const receiver = crypto.randomUUID();
    await useReceiver(o, receiver);
    const ops = await openSocket(opsSocketPath(o.zone.id), { token: o.ops.token });
    const deliveries = [];
    for (let i = 0; i < 4; i++) deliveries.push(await o.addDelivery());
    const raised = await ops.waitForEvent("zone_alert", { alert: "high_unassigned" });
    expect(raised).toMatchObject({ zoneId: o.zone.id, value: 3, threshold: 2, raisedAt: expect.any(String) });
    expect((await healthOf(o)).alerts).toEqual([{ alert: "high_unassigned", value: 3, threshold: 2, raisedAt: raised.raisedAt }]);

    await sendWebhooks(o);
    const notices = (await receiverLog(receiver)).map((r) => ({ ...JSON.parse(r.body), signatureValid: r.signatureValid }));
    expect(notices.filter((n) => n.type === "zone_alert")).toMatchObject([
      { zoneId: o.zone.id, orgId: o.org, severity: "warning", signatureValid: true, data: { alert: "high_unassigned", value: 3, threshold: 2 } },
    ]);

    // The standing alert is storage, not memory: a restarted object does not raise it again.
    await evictDurableObject(zoneObject(o));
    await o.addDelivery();
    expect((await healthOf(o)).alerts.map((a: any) => a.alert)).toEqual(["high_unassigned"]);

    // 5 waiting → 2 is still above 80% of 2; 1 clears.
    for (const d of deliveries) await ok(o.service.post(`/deliveries/${d.id}/cancel`, { reason: "test" }));
    const watcher = await openSocket(opsSocketPath(o.zone.id, 0), { token: o.ops.token });
    const cleared = await watcher.waitForEvent("zone_alert_cleared", { alert: "high_unassigned" });
    expect(cleared).toMatchObject({ clearedValue: 1, raisedAt: raised.raisedAt });
    expect(watcher.events("zone_alert")).toHaveLength(1);
    expect((await healthOf(o)).alerts).toEqual([]);
    await sendWebhooks(o);
    expect((await receiverLog(receiver)).filter((r) => JSON.parse(r.body).type === "zone_alert")).toHaveLength(1);
  });
});

const round = Math.round;
