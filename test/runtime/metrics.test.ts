/**
 * The Prometheus scrape (docs/api.md "Metrics") through the real Worker and zone objects: a
 * scripted run of offers (accepted, rejected, expired, cancelled), an escalation ladder and
 * webhook sends, scraped and read back with a real parser of the text format, each counter
 * checked against what the audit trail, the board and the webhook receiver say; histograms are
 * cumulative and count their observations; another org's zones never appear; counters survive
 * the zone object's restart; and promtool finds nothing to complain about.
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { client, newOrg, send } from "../helpers/api";
import { squarePolygon } from "../helpers/geometry";
import { moveZoneClock, ok, runAlarmNow, zoneObject } from "../helpers/zone-object";

type Org = Awaited<ReturnType<typeof newOrg>>;
type Driver = Awaited<ReturnType<Org["addDriver"]>>;
type ParsedFamily = ReturnType<typeof parsePrometheusTextFormat>[number];

/** Nothing fires by itself; zone alerts are off so the ops webhook carries escalation notices only. */
const QUIET = { escalationSeconds: [86_400, 172_800, 259_200], offlineAfterSeconds: 86_400, alerts: { minHealthScore: 0 } };
const NORTH = { lat: 13.3, lon: 77.6 };

async function availableDriver(o: Org): Promise<Driver> {
  const d = await o.addDriver();
  await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
  return d;
}

/** A manual offer by a fresh ops caller (manual offers are rate limited per caller). */
async function offer(o: Org, deliveryId: string, driverId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const ops = await client("ops", o.org);
  return (await ok(ops.post(`/deliveries/${deliveryId}/offers`, { driverId, ...extra }), 201)).offerId;
}

async function scrape(o: Org): Promise<{ text: string; families: Map<string, ParsedFamily> }> {
  const res = await send("GET", "/admin/metrics", `Bearer ${o.ops.token}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const text = await res.text();
  return { text, families: new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f])) };
}

/** A family's value for one zone and label value (the sample must be there). */
function valueOf(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string>): number {
  const found = families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  expect(found, `${name} ${JSON.stringify(labels)}`).toBeDefined();
  return Number(found!.value);
}

/**
 * One zone's histogram. The parser folds a labelled histogram into one unlabelled sample (its
 * open issue #13), so histograms are parsed a second time as plain samples, from the text
 * without their TYPE lines, and put together here; the first parse still checks their type.
 */
function histogramOf(text: string, name: string, zoneId: string) {
  const untyped = parsePrometheusTextFormat(text.replace(/^# TYPE \S+ histogram$/gm, ""));
  const samples = (suffix: string) =>
    untyped.filter((f) => f.name === `${name}${suffix}`).flatMap((f) => f.metrics).filter((m) => m.labels?.zone_id === zoneId);
  const buckets = samples("_bucket").map((m) => ({ le: Number(m.labels!.le === "+Inf" ? Infinity : m.labels!.le), count: Number(m.value) }));
  const [sum, count] = [samples("_sum"), samples("_count")];
  expect(buckets.length, `${name} of ${zoneId}`).toBeGreaterThan(1);
  expect([sum.length, count.length]).toEqual([1, 1]);
  return { buckets, count: Number(count[0]!.value), sum: Number(sum[0]!.value) };
}

const zoneIdsIn = (families: Map<string, ParsedFamily>) =>
  new Set([...families.values()].flatMap((f) => f.metrics.map((m) => m.labels?.zone_id)).filter((id) => id !== undefined));

/** Every audit event of the deliveries, by event type (and escalation level). */
async function auditTally(o: Org, deliveryIds: string[]) {
  const tally = new Map<string, number>();
  for (const id of deliveryIds) {
    for (const e of (await ok(o.ops.get(`/admin/deliveries/${id}/audit`))).events as { eventType: string; details: any }[]) {
      const key = e.eventType.startsWith("escalation_") ? `escalation:${e.details.level}` : e.eventType;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
  }
  return (key: string) => tally.get(key) ?? 0;
}

const receiverLog = async (name: string): Promise<unknown[]> => (await fetch(`${env.WEBHOOK_RECEIVER_URL}/log/${name}`)).json();

/** The families that must not go down between two scrapes, as `name{labels} value` lines. */
const counterLines = (text: string) => text.split("\n").filter((line) => /^dispatch_\w+(_total|_bucket|_sum|_count)\{/.test(line));

describe("GET /v2/admin/metrics", () => {
  it("counts what the audit, the board and the webhook receiver saw, per zone, and keeps counting across a restart", async () => {
    const o = await newOrg(QUIET);
    const north = await ok(
      o.admin.post("/admin/zones", { name: "North", polygon: squarePolygon(NORTH), settings: { escalationSeconds: [1, 2, 3], offlineAfterSeconds: 86_400, alerts: QUIET.alerts } }),
      201,
    );
    const northZone = { org: o.org, zone: { id: north.id as string } };
    const opsHook = `metrics-ops-${crypto.randomUUID()}`;
    const deliveryHook = `metrics-delivery-${crypto.randomUUID()}`;
    // The receiver refuses the first notice: one failure, then its retry succeeds.
    await ok(o.admin.patch("/admin/settings", { opsWebhookUrl: `${env.WEBHOOK_RECEIVER_URL}/hooks/${opsHook}?fail=1`, opsWebhookSecret: env.WEBHOOK_RECEIVER_SECRET }));
    await ok(
      o.admin.post("/admin/webhooks/subscriptions", { url: `${env.WEBHOOK_RECEIVER_URL}/hooks/${deliveryHook}`, secret: env.WEBHOOK_RECEIVER_SECRET, events: ["delivery.created"] }),
      201,
    );
    const other = await newOrg(QUIET);
    await other.addDelivery({ dispatch: "manual" });

    const [a, b, c] = [await availableDriver(o), await availableDriver(o), await availableDriver(o)];
    // Rejected by a, accepted by b: the delivery's first assignment.
    const d1 = await o.addDelivery({ dispatch: "manual" });
    await ok(a.client.post(`/drivers/${a.id}/offers/${await offer(o, d1.id, a.id)}/reject`, { reason: "too_far" }));
    await ok(b.client.post(`/drivers/${b.id}/offers/${await offer(o, d1.id, b.id)}/accept`, {}));
    // Left to expire.
    const d2 = await o.addDelivery({ dispatch: "manual" });
    await offer(o, d2.id, c.id, { expiresInSeconds: 10 });
    await moveZoneClock(o, 11_000);
    await runAlarmNow(o);
    // Withdrawn when its delivery is cancelled.
    const d3 = await o.addDelivery({ dispatch: "manual" });
    await offer(o, d3.id, c.id);
    await ok(o.service.post(`/deliveries/${d3.id}/cancel`, { reason: "customer_changed_mind" }));
    // North has no drivers: its delivery climbs the whole ladder (4 ops notices: a ticket and 3 levels).
    const d4 = await o.addDelivery({ pickup: NORTH, dropoff: { lat: NORTH.lat + 0.01, lon: NORTH.lon } });
    expect(d4.zoneId).toBe(north.id);
    await moveZoneClock(northZone, 3_500);
    await runAlarmNow(northZone);
    const northObject = zoneObject(northZone);
    await northObject.deliverWebhooks();
    await moveZoneClock(northZone, 60_000);
    await northObject.deliverWebhooks();
    for (const zone of [zoneObject(o), northObject]) await zone.deliverDeliveryWebhooks();

    const { text, families } = await scrape(o);
    const [central, northId] = [o.zone.id, north.id as string];

    // Tenancy: exactly the org's own zones, never another org's.
    expect(zoneIdsIn(families)).toEqual(new Set([central, northId]));
    expect(text).not.toContain(other.zone.id);
    expect(zoneIdsIn((await scrape(other)).families)).toEqual(new Set([other.zone.id]));

    // Counters equal the audit trail.
    const audit = await auditTally(o, [d1.id, d2.id, d3.id]);
    for (const [outcome, eventType] of [["accepted", "offer_accepted"], ["rejected", "offer_rejected"], ["expired", "offer_expired"], ["cancelled", "offer_cancelled"]]) {
      expect(valueOf(families, "dispatch_offers_total", { zone_id: central, outcome: outcome! }), outcome).toBe(audit(eventType!));
      expect(audit(eventType!), eventType).toBe(1);
    }
    const northAudit = await auditTally(o, [d4.id]);
    for (const level of ["1", "2", "3"]) {
      expect(valueOf(families, "dispatch_escalations_total", { zone_id: northId, level })).toBe(northAudit(`escalation:${level}`));
      expect(valueOf(families, "dispatch_escalations_total", { zone_id: central, level })).toBe(0);
    }
    expect(northAudit("escalation:3")).toBe(1);

    // Histograms: cumulative buckets ending in +Inf = count = the observations made.
    expect(families.get("dispatch_offer_response_seconds")?.type).toBe("HISTOGRAM");
    const response = histogramOf(text, "dispatch_offer_response_seconds", central);
    const wait = histogramOf(text, "dispatch_assignment_wait_seconds", central);
    for (const h of [response, wait]) {
      expect(h.buckets.at(-1)).toEqual({ le: Number.POSITIVE_INFINITY, count: h.count });
      for (let i = 1; i < h.buckets.length; i++) expect(h.buckets[i]!.count).toBeGreaterThanOrEqual(h.buckets[i - 1]!.count);
      expect(h.sum).toBeGreaterThanOrEqual(0);
    }
    expect(response.count).toBe(audit("offer_accepted") + audit("offer_rejected"));
    expect(wait.count).toBe(1);
    expect(histogramOf(text, "dispatch_assignment_wait_seconds", northId).count).toBe(0);

    // Webhook sends equal what the receiver got: 5 ops posts (the first refused), 4 delivery.created.
    expect(await receiverLog(opsHook)).toHaveLength(5);
    expect(valueOf(families, "dispatch_webhook_sends_total", { zone_id: northId, webhook: "ops", outcome: "success" })).toBe(4);
    expect(valueOf(families, "dispatch_webhook_sends_total", { zone_id: northId, webhook: "ops", outcome: "failure" })).toBe(1);
    expect(valueOf(families, "dispatch_webhook_sends_total", { zone_id: northId, webhook: "ops", outcome: "dead_letter" })).toBe(0);
    expect(await receiverLog(deliveryHook)).toHaveLength(4);
    expect(valueOf(families, "dispatch_webhook_sends_total", { zone_id: central, webhook: "delivery", outcome: "success" })).toBe(3);
    expect(valueOf(families, "dispatch_webhook_sends_total", { zone_id: northId, webhook: "delivery", outcome: "success" })).toBe(1);

    // Gauges equal the board and the unassigned orders.
    const board = await ok(o.ops.get(`/admin/zones/${central}/board`));
    for (const availability of ["available", "busy", "offline", "on_break", "paused"]) {
      const onBoard = (board.drivers as { availability: string }[]).filter((d) => d.availability === availability).length;
      expect(valueOf(families, "dispatch_drivers", { zone_id: central, availability }), availability).toBe(onBoard);
    }
    expect(valueOf(families, "dispatch_drivers", { zone_id: central, availability: "available" })).toBe(2);
    expect(valueOf(families, "dispatch_deliveries", { zone_id: central, status: "assigned" })).toBe(1);
    expect(valueOf(families, "dispatch_deliveries", { zone_id: central, status: "ready" })).toBe(1);
    expect(families.get("dispatch_deliveries")!.metrics.some((m) => m.labels?.status === "cancelled")).toBe(false);
    for (const zoneId of [central, northId]) {
      const listed = (await ok(o.ops.get(`/admin/unassigned-orders?zoneId=${zoneId}`))).summary.byEscalationLevel as Record<string, number>;
      for (const level of ["0", "1", "2", "3"]) {
        expect(valueOf(families, "dispatch_unassigned_orders", { zone_id: zoneId, level }), level).toBe(listed[level] ?? 0);
      }
    }
    expect(valueOf(families, "dispatch_unassigned_orders", { zone_id: northId, level: "3" })).toBe(1);

    // A restart loses no count, and counting goes on from there.
    await evictDurableObject(zoneObject(o));
    await evictDurableObject(northObject);
    const restarted = await scrape(o);
    expect(counterLines(restarted.text)).toEqual(counterLines(text));
    const d5 = await o.addDelivery({ dispatch: "manual" });
    await ok(a.client.post(`/drivers/${a.id}/offers/${await offer(o, d5.id, a.id)}/accept`, {}));
    const after = await scrape(o);
    expect(valueOf(after.families, "dispatch_offers_total", { zone_id: central, outcome: "accepted" })).toBe(2);
    expect(histogramOf(after.text, "dispatch_assignment_wait_seconds", central).count).toBe(2);
    expect(histogramOf(after.text, "dispatch_offer_response_seconds", central).count).toBe(3);
    // Observed: evicting the central zone (its alarm armed) takes about 5 s in the test runtime.
  }, 30_000);

  it("passes promtool's checks (when promtool is on PATH; REQUIRE_PROMTOOL=1 makes it required)", async (ctx) => {
    const o = await newOrg(QUIET);
    const d = await availableDriver(o);
    const delivery = await o.addDelivery({ dispatch: "manual" });
    await ok(d.client.post(`/drivers/${d.id}/offers/${await offer(o, delivery.id, d.id)}/accept`, {}));
    const { text } = await scrape(o);
    const checked = (await (await fetch(`${env.WEBHOOK_RECEIVER_URL}/promtool`, { method: "POST", body: text })).json()) as {
      available: boolean;
      required: boolean;
      exitCode: number | null;
      output: string;
    };
    if (!checked.available) {
      expect(checked.required, "REQUIRE_PROMTOOL=1 but promtool is not on PATH").toBe(false);
      ctx.skip();
    }
    expect(checked, checked.output).toMatchObject({ exitCode: 0 });
  });

  it("covers every zone of a 20-zone org in one scrape", async () => {
    const o = await newOrg(QUIET);
    for (let i = 1; i < 20; i++) {
      await ok(o.admin.post("/admin/zones", { name: `Zone ${i}`, polygon: squarePolygon({ lat: 12.95 + i * 0.2, lon: 77.6 }), settings: QUIET }), 201);
    }
    const zones = (await ok(o.admin.get("/admin/zones"))).zones as { id: string }[];
    expect(zones).toHaveLength(20);
    const { families } = await scrape(o);
    expect(zoneIdsIn(families)).toEqual(new Set(zones.map((z) => z.id)));
    expect(families.get("dispatch_offers_total")!.metrics).toHaveLength(20 * 4);
  }, 30_000);

  it("is for ops and admins: 401 without a token, 403 for drivers and the order service", async () => {
    const o = await newOrg(QUIET);
    const d = await o.addDriver();
    expect((await send("GET", "/admin/metrics")).status).toBe(401);
    expect((await send("GET", "/admin/metrics", `Bearer ${d.client.token}`)).status).toBe(403);
    expect((await send("GET", "/admin/metrics", `Bearer ${o.service.token}`)).status).toBe(403);
    const res = await send("GET", "/admin/metrics", `Bearer ${o.admin.token}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`dispatch_drivers{zone_id="${o.zone.id}",availability="offline"} 1`);
  });
});
