/**
 * The ops reports (docs/api.md "Reports") over what the zones' outboxes wrote into D1: the earnings
 * report's totals are the accepted offers' estimatedEarning of the deliveries delivered in the
 * window, the dispatch report's counts are what the script did, and a re-sent outbox batch
 * leaves one delivery_costs row per delivery. The zone's clock is pinned to the script's instants.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import { client, newOrg } from "../helpers/api";
import { expectError, expectValidationError } from "../helpers/expect-error";
import { ok, runAlarmNow, zoneObject } from "../helpers/zone-object";

const S = 1000;
const MIN = 60 * S;
const iso = (ms: number) => new Date(ms).toISOString();
type Org = Awaited<ReturnType<typeof newOrg>>;

const setClock = (o: Org, t: number) =>
  runInDurableObject(zoneObject(o), (zone: ZoneDispatcher) => {
    zone.clock = () => t;
  });

/** The real D1, whose answer is lost after the write committed: the zone retries a batch D1 already has. */
function lostAckD1(): D1Database {
  return {
    prepare: (sql: string) => env.DB.prepare(sql),
    batch: async (statements: D1PreparedStatement[]) => {
      await env.DB.batch(statements);
      throw new Error("answer lost (injected)");
    },
  } as unknown as D1Database;
}

describe("reports", () => {
  it("earnings and dispatch figures equal the script's, over exactly the window asked for", async () => {
    const o = await newOrg({ escalationSeconds: [86_400, 172_800, 259_200], offlineAfterSeconds: 86_400 });
    const base = Date.parse("2026-12-01T09:00:00.000Z");
    const a = await o.addDriver({ name: "Asha Rao", location: { lat: 12.96, lon: 77.61 } });
    const b = await o.addDriver({ name: "Bala Iyer", location: { lat: 12.962, lon: 77.612 } });
    await setClock(o, base);
    for (const d of [a, b]) await ok(d.client.post(`/drivers/${d.id}/availability/resume`));

    const offerTo = async (driver: typeof a, deliveryId: string, at: number) => {
      await setClock(o, at);
      return ok(o.ops.post(`/deliveries/${deliveryId}/offers`, { driverId: driver.id }), 201);
    };
    const accept = async (driver: typeof a, offerId: string, at: number) => {
      await setClock(o, at);
      await ok(driver.client.post(`/drivers/${driver.id}/offers/${offerId}/accept`, {}));
    };
    const report = async (driver: typeof a, deliveryId: string, at: number, ...statuses: string[]) => {
      for (const [i, status] of statuses.entries()) {
        await setClock(o, at + i * S);
        await ok(driver.client.post(`/drivers/${driver.id}/deliveries/${deliveryId}/status`, { status }));
      }
    };
    const created = async (at: number, extra: Record<string, unknown> = { dispatch: "manual" }) => {
      await setClock(o, at);
      return o.addDelivery(extra);
    };
    const earned: number[] = [];
    const accepted = async (driver: typeof a, deliveryId: string, offeredAt: number, acceptedAt: number) => {
      const offer = await offerTo(driver, deliveryId, offeredAt);
      earned.push(offer.payload.estimatedEarning);
      await accept(driver, offer.offerId, acceptedAt);
    };

    // 1: offered to A, accepted 10 s after creation, delivered.
    const d1 = await created(base);
    await accepted(a, d1.id, base + 2 * S, base + 10 * S);
    await report(a, d1.id, base + MIN, "picked_up", "in_transit", "delivered");
    // 2: A rejects, B accepts 40 s after creation, delivered.
    const d2 = await created(base + 2 * MIN);
    const rejected = await offerTo(a, d2.id, base + 2 * MIN + S);
    await setClock(o, base + 2 * MIN + 5 * S);
    await ok(a.client.post(`/drivers/${a.id}/offers/${rejected.offerId}/reject`, { reason: "too_far" }));
    await accepted(b, d2.id, base + 2 * MIN + 20 * S, base + 2 * MIN + 40 * S);
    await report(b, d2.id, base + 3 * MIN, "picked_up", "in_transit", "delivered");
    // 3: B lets the offer expire, then the order service cancels.
    const d3 = await created(base + 4 * MIN);
    await offerTo(b, d3.id, base + 4 * MIN);
    await setClock(o, base + 4 * MIN + 31 * S);
    await runAlarmNow(o);
    await ok(o.service.post(`/deliveries/${d3.id}/cancel`, { reason: "customer_cancelled" }));
    // 4: cancelled while A holds its offer (the offer is withdrawn).
    const d4 = await created(base + 5 * MIN);
    await offerTo(a, d4.id, base + 5 * MIN);
    await setClock(o, base + 5 * MIN + S);
    await ok(o.service.post(`/deliveries/${d4.id}/cancel`, { reason: "customer_cancelled" }));
    // 5: needs a van nobody has: recorded unassigned.
    const d5 = await created(base + 6 * MIN, { requirements: { vehicleTypes: ["van"] } });
    // 6: accepted 5 s after creation, then failed.
    const d6 = await created(base + 7 * MIN);
    const lastOffer = await offerTo(a, d6.id, base + 7 * MIN + S);
    await accept(a, lastOffer.offerId, base + 7 * MIN + 5 * S);
    await report(a, d6.id, base + 8 * MIN, "picked_up", "failed");

    const window = `from=${iso(base - MIN)}&to=${iso(base + 60 * MIN)}`;
    const cents = (xs: number[]) => xs.reduce((sum, x) => sum + Math.round(x * 100), 0) / 100;
    const earnings = await ok(o.ops.get(`/admin/reports/earnings?${window}`));
    expect(earnings).toEqual({
      from: iso(base - MIN),
      to: iso(base + 60 * MIN),
      currency: "INR",
      totals: { deliveries: 2, earnings: cents(earned) },
      drivers: expect.arrayContaining([
        { driverId: a.id, driverName: "Asha Rao", deliveries: 1, earnings: earned[0] },
        { driverId: b.id, driverName: "Bala Iyer", deliveries: 1, earnings: earned[1] },
      ]),
    });
    expect(earnings.drivers).toHaveLength(2);

    const dispatch = await ok(o.admin.get(`/admin/reports/dispatch?${window}&zoneId=${o.zone.id}`));
    const unassigned = await ok(o.ops.get(`/admin/unassigned-orders?zoneId=${o.zone.id}`));
    expect(unassigned.orders.map((r: { deliveryId: string }) => r.deliveryId)).toEqual([d5.id]);
    expect(dispatch).toEqual({
      from: iso(base - MIN),
      to: iso(base + 60 * MIN),
      deliveries: { created: 6, assigned: 3, delivered: 2, failed: 1, cancelled: 2, unassigned: 1 },
      offers: { created: 6, accepted: 3, rejected: 1, expired: 1, cancelled: 1 },
      acceptanceRate: 0.6,
      // Creation to first assignment: 10 s, 40 s, 5 s; nearest rank of [5, 10, 40].
      assignmentWaitSeconds: { p50: 10, p90: 40, p99: 40 },
      unassignedByFailureReason: unassigned.summary.byFailureReason,
    });
    expect(Object.values(dispatch.unassignedByFailureReason).reduce((x: number, y) => x + (y as number), 0)).toBe(1);

    // A window ending before 2 was delivered: only 1 is paid; 2's creation and first offer are still in it.
    const early = await ok(o.ops.get(`/admin/reports/earnings?from=${iso(base - MIN)}&to=${iso(base + 2 * MIN + 2 * S)}`));
    expect(early.totals).toEqual({ deliveries: 1, earnings: earned[0] });
    const earlyDispatch = await ok(o.ops.get(`/admin/reports/dispatch?from=${iso(base - MIN)}&to=${iso(base + 2 * MIN + 2 * S)}`));
    expect(earlyDispatch).toMatchObject({ deliveries: { created: 2, assigned: 1, delivered: 1 }, offers: { created: 2, accepted: 1 }, acceptanceRate: 1 });
    expect(earlyDispatch.assignmentWaitSeconds).toEqual({ p50: 10, p90: 10, p99: 10 });
    // Nothing in a window before the script: zeros and nulls.
    const before = await ok(o.ops.get(`/admin/reports/dispatch?from=${iso(base - 60 * MIN)}&to=${iso(base - MIN)}`));
    expect(before).toMatchObject({ acceptanceRate: null, assignmentWaitSeconds: { p50: null, p90: null, p99: null }, deliveries: { created: 0 } });
    const none = await ok(o.ops.get(`/admin/reports/earnings?from=${iso(base - 60 * MIN)}&to=${iso(base - MIN)}`));
    expect(none).toMatchObject({ currency: null, totals: { deliveries: 0, earnings: 0 }, drivers: [] });
  });

  it("a batch re-sent after a lost answer leaves one delivery_costs row per delivery", async () => {
    const o = await newOrg({ escalationSeconds: [86_400, 172_800, 259_200] });
    const driver = await o.addDriver();
    await ok(driver.client.post(`/drivers/${driver.id}/availability/resume`));
    const delivery = await o.addDelivery();
    const [offer] = (await ok(driver.client.get(`/drivers/${driver.id}/offers?status=PENDING`))).offers;
    await runInDurableObject(zoneObject(o), async (zone: ZoneDispatcher) => {
      await zone.flushOutbox();
      zone.outboxTarget = lostAckD1();
    });
    await ok(driver.client.post(`/drivers/${driver.id}/offers/${offer.id}/accept`, {}));
    for (const status of ["picked_up", "in_transit", "delivered"]) {
      await ok(driver.client.post(`/drivers/${driver.id}/deliveries/${delivery.id}/status`, { status }));
    }
    const remaining = await runInDurableObject(zoneObject(o), async (zone: ZoneDispatcher) => {
      const failed = await zone.flushOutbox();
      zone.outboxTarget = env.DB;
      zone.clock = () => Date.now() + 10 * MIN;
      return { failed: failed.remaining, after: (await zone.flushOutbox()).remaining };
    });
    expect(remaining.failed).toBeGreaterThan(0);
    expect(remaining.after).toBe(0);
    const rows = await env.DB.prepare("SELECT driver_id, driver_payment, currency FROM delivery_costs WHERE delivery_id = ?").bind(delivery.id).all();
    expect(rows.results).toEqual([{ driver_id: driver.id, driver_payment: offer.payload.estimatedEarning, currency: "INR" }]);
    expect((await ok(o.ops.get("/admin/reports/earnings"))).totals).toEqual({ deliveries: 1, earnings: offer.payload.estimatedEarning });
  });

  it("refuses bad windows with the contract's 400, an unknown zone with 404, and drivers and the order service with 403", async () => {
    const o = await newOrg();
    for (const path of ["/admin/reports/earnings", "/admin/reports/dispatch"]) {
      await expectValidationError(await o.ops.get(`${path}?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z`), "query.from");
      await expectValidationError(await o.ops.get(`${path}?from=2026-08-01T00:00:00Z&to=2026-11-02T00:00:00Z`), "query.from");
      await expectValidationError(await o.ops.get(`${path}?from=yesterday`), "query.from");
      await expectValidationError(await o.ops.get(`${path}?to=2026-12-01`), "query.to");
      await expectValidationError(await o.ops.get(`${path}?zoneId=nope`), "query.zoneId");
      await expectError(await o.ops.get(`${path}?zoneId=${crypto.randomUUID()}`), 404);
      // Exactly 92 days is allowed; the default is the last 24 h.
      await ok(o.ops.get(`${path}?from=2026-08-01T00:00:00Z&to=2026-11-01T00:00:00Z`));
      const byDefault = await ok(o.ops.get(path));
      expect(Date.parse(byDefault.to) - Date.parse(byDefault.from)).toBe(24 * 60 * MIN);
      await expectError(await (await client("driver", o.org)).get(path), 403);
      await expectError(await o.service.get(path), 403);
    }
  });
});
