/**
 * Driver performance (docs/api.md "Driver performance") over a scripted day and a bit in an
 * Asia/Kolkata zone: every figure of GET /v2/drivers/:id/performance equals what was worked out
 * by hand from the script, for `day` (across local midnight), `week` and `all`, and the
 * driver_performance_updated event reaches the driver's and the ops socket after each delivery
 * ends and after each rating. The zone's clock seam is pinned to the script's instants.
 */
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import { BENGALURU, type Client, client, json, send } from "../helpers/api";
import { expectError } from "../helpers/expect-error";
import { squarePolygon } from "../helpers/geometry";
import { closeOpenSockets, driverSocketPath, openSocket, opsSocketPath } from "../helpers/sockets";
import { ok, runAlarmNow, zoneObject } from "../helpers/zone-object";

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const iso = (ms: number) => new Date(ms).toISOString();

/** A Monday 08:30 IST (03:00 UTC) a few weeks ahead, so real alarms never beat the pinned clock. */
function aMondayMorning(): number {
  const ahead = new Date(Date.now() + 21 * 24 * H);
  const monday = Date.UTC(ahead.getUTCFullYear(), ahead.getUTCMonth(), ahead.getUTCDate() - ((ahead.getUTCDay() + 6) % 7));
  return monday + 3 * H;
}

afterEach(closeOpenSockets);

async function kolkataOrg() {
  const org = crypto.randomUUID();
  const admin = await client("admin", org);
  const zone = await ok(
    admin.post("/admin/zones", {
      name: "Indiranagar",
      polygon: squarePolygon(BENGALURU),
      timezone: "Asia/Kolkata",
      settings: { escalationSeconds: [86_400, 172_800, 259_200], offlineAfterSeconds: 86_400 },
    }),
    201,
  );
  const o = { org, zone, admin, ops: await client("ops", org), service: await client("service", org) };
  const setClock = (t: number) =>
    runInDurableObject(zoneObject(o), (z: ZoneDispatcher) => {
      z.clock = () => t;
    });
  return { ...o, setClock };
}

type Org = Awaited<ReturnType<typeof kolkataOrg>>;

async function onlineDriver(o: Org, name: string): Promise<{ id: string; client: Client }> {
  const driver = await ok(
    o.admin.post("/admin/drivers", { name, phone: "+919876543210", vehicle: "Activa", vehicleType: "scooter", zoneId: o.zone.id, location: BENGALURU }),
    201,
  );
  const c = await client("driver", o.org, driver.id);
  await ok(c.post(`/drivers/${driver.id}/availability/resume`));
  return { id: driver.id, client: c };
}

const newDelivery = (o: Org) =>
  ok(
    o.service.post("/deliveries", {
      sellerOrderId: `ORD-${crypto.randomUUID().slice(0, 8)}`,
      storeName: "Corner Store",
      pickup: { lat: 12.955, lon: 77.605 },
      dropoff: { lat: 12.97, lon: 77.62 },
    }),
    201,
  );

describe("driver performance over a scripted day", () => {
  it("day, week and all equal the hand-computed figures, and every change is announced to the driver and ops", async () => {
    const o = await kolkataOrg();
    const monday = aMondayMorning();
    await o.setClock(monday);
    const a = await onlineDriver(o, "Asha Rao");
    const driverSocket = await openSocket(driverSocketPath(a.id), { token: a.client.token });
    const opsSocket = await openSocket(opsSocketPath(o.zone.id), { token: o.ops.token });
    const earnings: number[] = [];

    /** Creates a delivery at `at`; the driver's offer for it (the only candidate). */
    const offered = async (at: number) => {
      await o.setClock(at);
      const delivery = await newDelivery(o);
      const [offer] = (await ok(a.client.get(`/drivers/${a.id}/offers?status=PENDING`))).offers;
      expect(offer.deliveryId).toBe(delivery.id);
      return { delivery, offer };
    };
    const step = async (at: number, deliveryId: string, status: string) => {
      await o.setClock(at);
      return ok(a.client.post(`/drivers/${a.id}/deliveries/${deliveryId}/status`, { status }));
    };
    /** Accepted `responseMs` after the offer, delivered at `deliveredAt(estimate)`. */
    const deliver = async (at: number, responseMs: number, deliveredAt: (estimate: number) => number) => {
      const { delivery, offer } = await offered(at);
      await o.setClock(at + responseMs);
      await ok(a.client.post(`/drivers/${a.id}/offers/${offer.id}/accept`, {}));
      await step(at + responseMs + S, delivery.id, "picked_up");
      await step(at + responseMs + 2 * S, delivery.id, "in_transit");
      const from = driverSocket.mark();
      await step(deliveredAt(Date.parse(offer.payload.estimatedDeliveryTime)), delivery.id, "delivered");
      earnings.push(offer.payload.estimatedEarning);
      await driverSocket.waitForEvent("driver_performance_updated", { driverId: a.id }, { from });
      return delivery;
    };

    // Monday (IST). 1: accepted after 10 s, delivered a minute before the estimate (on time).
    const first = await deliver(monday, 10 * S, (estimate) => estimate - MIN);
    // 2: rejected after 4 s; 3: left to expire (30 s); both then cancelled by the order service.
    const second = await offered(monday + H);
    await o.setClock(monday + H + 4 * S);
    await ok(a.client.post(`/drivers/${a.id}/offers/${second.offer.id}/reject`, { reason: "too_far" }));
    const third = await offered(monday + 2 * H);
    await o.setClock(monday + 2 * H + 31 * S);
    await runAlarmNow(o);
    expect((await ok(a.client.get(`/drivers/${a.id}/offers?status=EXPIRED`))).offers.map((x: { id: string }) => x.id)).toEqual([third.offer.id]);
    for (const d of [second.delivery, third.delivery]) await ok(o.service.post(`/deliveries/${d.id}/cancel`, { reason: "customer_cancelled" }));
    // 4: accepted after 20 s, delivered 5 min 1 s after the estimate (late).
    const fourth = await deliver(monday + 3 * H, 20 * S, (estimate) => estimate + 5 * MIN + S);
    // 5: accepted after 25 s (offers last 30 s), then failed: it ends (announced) but is not a completed delivery.
    const fifth = await offered(monday + 4 * H);
    await o.setClock(monday + 4 * H + 25 * S);
    await ok(a.client.post(`/drivers/${a.id}/offers/${fifth.offer.id}/accept`, {}));
    await step(monday + 4 * H + 31 * S, fifth.delivery.id, "picked_up");
    const beforeFail = opsSocket.mark();
    await step(monday + 4 * H + 32 * S, fifth.delivery.id, "failed");
    await opsSocket.waitForEvent("driver_performance_updated", { driverId: a.id }, { from: beforeFail });
    // The customers rate 1 and 4 that evening.
    await o.setClock(monday + 10 * H);
    const beforeRating = driverSocket.mark();
    await ok(send("POST", `/orders/${first.orderId}/rating?token=${first.trackingToken}`, undefined, { rating: 5 }), 201);
    const rated = await driverSocket.waitForEvent("driver_performance_updated", { driverId: a.id }, { from: beforeRating });
    expect(rated.metrics.customerRating).toBe(5);
    await ok(send("POST", `/orders/${fourth.orderId}/rating?token=${fourth.trackingToken}`, undefined, { rating: 2, comment: "cold" }), 201);

    // Monday 23:59 IST (18:29 UTC): the day so far.
    const mondayNight = monday + 15 * H + 29 * MIN;
    await o.setClock(mondayNight);
    const cents = (amounts: number[]) => amounts.reduce((sum, x) => sum + Math.round(x * 100), 0) / 100;
    const mondayDay = await ok(a.client.get(`/drivers/${a.id}/performance?period=day`));
    expect(mondayDay).toEqual({
      driverId: a.id,
      driverName: "Asha Rao",
      period: "day",
      from: iso(monday - 8 * H - 30 * MIN),
      to: iso(monday + 15 * H + 30 * MIN),
      // Offers: accepted 1, 4, 5; rejected 2; expired 3. Responses: 10, 4, 20, 25 s.
      metrics: { deliveriesCompleted: 2, acceptanceRate: 0.6, onTimeRate: 0.5, customerRating: 3.5, avgResponseTimeMs: 14_750, totalEarnings: cents(earnings) },
      currency: "INR",
    });

    // Tuesday 00:30 IST, just past local midnight: 6, accepted after 6 s, on time.
    await deliver(monday + 16 * H, 6 * S, (estimate) => estimate);
    await o.setClock(monday + 16 * H + H);
    const tuesday = await ok(o.ops.get(`/drivers/${a.id}/performance?period=day`));
    expect(tuesday).toMatchObject({ from: iso(monday + 15 * H + 30 * MIN), to: iso(monday + 39 * H + 30 * MIN) });
    expect(tuesday.metrics).toEqual({ deliveriesCompleted: 1, acceptanceRate: 1, onTimeRate: 1, customerRating: null, avgResponseTimeMs: 6000, totalEarnings: earnings[2] });

    // The week (from Monday 00:00 IST) and all time hold everything: 3 delivered, 4 of 6 offers
    // accepted, 2 of 3 on time, ratings 5 and 2, responses 10 + 4 + 20 + 25 + 6 s over 5.
    const everything = { deliveriesCompleted: 3, acceptanceRate: 0.6667, onTimeRate: 0.6667, customerRating: 3.5, avgResponseTimeMs: 13_000, totalEarnings: cents(earnings) };
    const week = await ok(o.admin.get(`/drivers/${a.id}/performance?period=week`));
    expect(week).toMatchObject({ from: iso(monday - 8 * H - 30 * MIN), to: iso(monday + 7 * 24 * H - 8 * H - 30 * MIN), metrics: everything });
    const all = await ok(a.client.get(`/drivers/${a.id}/performance`));
    expect(all).toMatchObject({ period: "all", to: iso(monday + 17 * H), metrics: everything });
    const created = await ok(o.ops.get(`/drivers/${a.id}`));
    expect(all.from).toBe(created.createdAt);

    // The last announcement on both streams carries the all-time figures.
    for (const socket of [driverSocket, opsSocket]) {
      const last = socket.events().filter((e) => e.type === "driver_performance_updated").at(-1)!;
      expect(last).toMatchObject({ driverId: a.id, driverName: "Asha Rao", metrics: everything });
      expect(Object.keys(last).sort()).toEqual(["driverId", "driverName", "eventId", "metrics", "seq", "type", "updatedAt"]);
    }
    // One announcement per ended delivery the driver held (1, 4, 5, 6) and per rating (2); none for the cancels of waiting 2 and 3.
    expect(driverSocket.events().filter((e) => e.type === "driver_performance_updated")).toHaveLength(6);
    await driverSocket.close();
    await opsSocket.close();
  });

  it("a new driver has no figures yet; another driver may not read them; a bad period is a 400", async () => {
    const o = await kolkataOrg();
    const a = await onlineDriver(o, "Ravi");
    const b = await onlineDriver(o, "Meena");
    const fresh = await ok(o.ops.get(`/drivers/${a.id}/performance?period=week`));
    expect(fresh.metrics).toEqual({ deliveriesCompleted: 0, acceptanceRate: null, onTimeRate: null, customerRating: null, avgResponseTimeMs: null, totalEarnings: 0 });
    await expectError(await b.client.get(`/drivers/${a.id}/performance`), 403);
    await expectError(await o.service.get(`/drivers/${a.id}/performance`), 403);
    await expectError(await o.ops.get(`/drivers/${a.id}/performance?period=month`), 400);
    await expectError(await o.ops.get(`/drivers/${crypto.randomUUID()}/performance`), 404);
    expect((await json(await a.client.get(`/drivers/${a.id}/performance?period=day`))).metrics.deliveriesCompleted).toBe(0);
  });
});
