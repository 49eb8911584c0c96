/**
 * Races through the real Worker and zone object (docs/api-notes.md "Offers and dispatch": "Of any number of concurrent
 * accepts for one delivery, exactly one succeeds"). Requests are fired together with
 * Promise.all, each with its own token; the zone object decides one at a time, so whatever
 * order they arrive in, the end state must be one of the legal outcomes and internally
 * consistent: offers, assignment, driver availability and audit agree.
 *
 * Manual offers are limited to 10 per minute per caller, so offers are spread over many ops
 * callers. Zones push escalation a day out so nothing but the race writes events.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import { type Client, client, json, newOrg } from "../helpers/api";
import { ok, sleep, zoneObject } from "../helpers/zone-object";

type Org = Awaited<ReturnType<typeof newOrg>>;
type Driver = Awaited<ReturnType<Org["addDriver"]>>;

const QUIET = { escalationSeconds: [86_400, 172_800, 259_200] };
const PICKUP = { lat: 12.96, lon: 77.61 };
/** Races run many requests; a loaded machine must not turn them into timeouts. */
const RACE_TIMEOUT_MS = 30_000;

async function availableDriver(o: Org, location = { lat: 12.961, lon: 77.611 }): Promise<Driver> {
  const d = await o.addDriver({ location });
  await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
  return d;
}

/** Hands out ops callers, a fresh one every `perCaller` manual offers (the per-caller budget). */
function opsPool(o: Org, perCaller = 10) {
  let current: Promise<Client> | null = null;
  let used = 0;
  return async (): Promise<Client> => {
    if (!current || used >= perCaller) {
      current = client("ops", o.org);
      used = 0;
    }
    used++;
    return current;
  };
}

const detail = (o: Org, id: string) => ok(o.ops.get(`/admin/deliveries/${id}`));
const auditEvents = async (o: Org, id: string): Promise<any[]> => (await ok(o.ops.get(`/admin/deliveries/${id}/audit`))).events;
const availabilityOf = async (o: Org, id: string) => (await ok(o.admin.get(`/drivers/${id}`))).availability;
const countOf = (events: any[], type: string) => events.filter((e) => e.eventType === type).length;
const accept = (d: Driver, offerId: string) => d.client.post(`/drivers/${d.id}/offers/${offerId}/accept`, {});

/** Status and body of each response, in order. */
async function settle(responses: Response[]): Promise<{ status: number; body: any }[]> {
  return Promise.all(responses.map(async (r) => ({ status: r.status, body: await json(r) })));
}

function expectConflict(answer: { status: number; body: any }): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(409);
  expect(answer.body).toMatchObject({ statusCode: 409, error: "Conflict" });
}

describe("100 concurrent accepts of one delivery", () => {
  it("exactly one wins; 99 × 409; one ACCEPTED offer, 99 CANCELLED, one ACTIVE assignment, one busy driver", async () => {
    const o = await newOrg({ ...QUIET, dispatchMode: "broadcast", broadcastSize: 20, maxOfferAttempts: 100 });
    const drivers: Driver[] = [];
    for (let batch = 0; batch < 5; batch++) {
      drivers.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, i) => availableDriver(o, { lat: PICKUP.lat + (batch * 20 + i) * 0.0004, lon: PICKUP.lon })),
        )),
      );
    }

    // Automatic broadcast offers the best 20; ops offer it to the other 80 by hand.
    const delivery = await o.addDelivery({ pickup: PICKUP });
    const auto = (await detail(o, delivery.id)).offers;
    expect(auto).toHaveLength(20);
    expect(auto.every((x: any) => x.mode === "auto" && x.status === "PENDING")).toBe(true);
    const offered = new Set(auto.map((x: any) => x.driverId));
    const nextOps = opsPool(o);
    const rest = drivers.filter((d) => !offered.has(d.id));
    expect(rest).toHaveLength(80);
    const callers = await Promise.all(rest.map(() => nextOps()));
    const manual = await settle(
      await Promise.all(rest.map((d, i) => callers[i]!.post(`/deliveries/${delivery.id}/offers`, { driverId: d.id }))),
    );
    expect(manual.map((m) => m.status)).toEqual(rest.map(() => 201));

    const before = await detail(o, delivery.id);
    expect(before.offers).toHaveLength(100);
    expect(before.offers.every((x: any) => x.status === "PENDING")).toBe(true);
    const offerOf = new Map<string, string>(before.offers.map((x: any) => [x.driverId, x.id]));
    expect(offerOf.size).toBe(100);

    // The race.
    const answers = await settle(await Promise.all(drivers.map((d) => accept(d, offerOf.get(d.id)!))));
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    for (const a of answers.filter((a) => a.status !== 200)) expectConflict(a);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(99);
    const won = winners[0]!.body;
    expect(won).toMatchObject({ success: true, deliveryId: delivery.id });
    expect(offerOf.has(won.driverId)).toBe(true);

    const after = await detail(o, delivery.id);
    expect(after.status).toBe("assigned");
    expect(after.assignedDriverId).toBe(won.driverId);
    expect(after.assignment).toMatchObject({ id: won.assignmentId, driverId: won.driverId, status: "ACTIVE" });
    const statuses = after.offers.map((x: any) => x.status);
    expect(statuses.filter((s: string) => s === "ACCEPTED")).toHaveLength(1);
    expect(statuses.filter((s: string) => s === "CANCELLED")).toHaveLength(99);
    expect(after.offers.find((x: any) => x.status === "ACCEPTED").driverId).toBe(won.driverId);

    const busy = await ok(o.ops.get(`/drivers?zoneId=${o.zone.id}&availability=busy&limit=500`));
    expect(busy.drivers.map((d: any) => d.id)).toEqual([won.driverId]);
    const available = await ok(o.ops.get(`/drivers?zoneId=${o.zone.id}&availability=available&limit=500`));
    expect(available.drivers).toHaveLength(99);

    const events = await auditEvents(o, delivery.id);
    expect(countOf(events, "offer_created")).toBe(100);
    expect(countOf(events, "offer_accepted")).toBe(1);
    expect(countOf(events, "driver_assigned")).toBe(1);
    expect(countOf(events, "offer_cancelled")).toBe(99);
    expect(events.find((e) => e.eventType === "offer_accepted").details.assignmentId).toBe(won.assignmentId);
    expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
  }, RACE_TIMEOUT_MS);
});

describe("accept racing the expiry alarm", () => {
  it("20 rounds: either ACCEPTED with an assignment, or EXPIRED with none and the accept refused — never a mix", async () => {
    const o = await newOrg(QUIET);
    const stub = zoneObject(o);
    const nextOps = opsPool(o);
    const outcomes = { accepted: 0, expired: 0 };

    for (let round = 0; round < 20; round++) {
      const driver = await availableDriver(o);
      const delivery = await o.addDelivery({ dispatch: "manual", pickup: PICKUP });
      const offer = await ok((await nextOps()).post(`/deliveries/${delivery.id}/offers`, { driverId: driver.id, expiresInSeconds: 10 }), 201);
      const expiresAt = Date.parse(offer.expiresAt);
      // Nothing due but the offer: no flush alarm may run in between.
      expect(await stub.flushOutbox()).toEqual({ remaining: 0 });
      // The zone's clock stands 1 ms before expiry and moves 1 ms every time it is read: whichever
      // of the accept and the alarm the zone decides first sees the offer still open.
      await runInDurableObject(stub, (zone: ZoneDispatcher) => {
        let ticks = 0;
        zone.clock = () => expiresAt - 1 + ticks++;
      });

      const [acceptRes] = await Promise.all([
        accept(driver, offer.offerId),
        (async () => {
          await sleep(Math.floor(Math.random() * 4));
          await runInDurableObject(stub, (zone: ZoneDispatcher) => zone.alarm());
        })(),
      ]);
      const [answer] = await settle([acceptRes]);
      // Whatever is left due now runs (the clock is past expiry by now).
      await runInDurableObject(stub, (zone: ZoneDispatcher) => zone.alarm());

      const d = await detail(o, delivery.id);
      const events = await auditEvents(o, delivery.id);
      const offerState = d.offers.find((x: any) => x.id === offer.offerId);
      if (answer!.status === 200) {
        outcomes.accepted++;
        expect(offerState.status).toBe("ACCEPTED");
        expect(d.status).toBe("assigned");
        expect(d.assignment).toMatchObject({ id: answer!.body.assignmentId, driverId: driver.id, status: "ACTIVE" });
        expect(await availabilityOf(o, driver.id)).toBe("busy");
        expect(countOf(events, "offer_accepted")).toBe(1);
        expect(countOf(events, "offer_expired")).toBe(0);
      } else {
        outcomes.expired++;
        expectConflict(answer!);
        expect(offerState.status).toBe("EXPIRED");
        expect(d.status).toBe("ready");
        expect(d.assignment).toBeNull();
        expect(await availabilityOf(o, driver.id)).toBe("available");
        expect(countOf(events, "offer_accepted")).toBe(0);
        expect(countOf(events, "driver_assigned")).toBe(0);
        expect(countOf(events, "offer_expired")).toBe(1);
      }
      await runInDurableObject(stub, (zone: ZoneDispatcher) => {
        zone.clock = () => Date.now();
      });
    }
    expect(outcomes.accepted + outcomes.expired).toBe(20);
  }, RACE_TIMEOUT_MS);
});

describe("one driver accepting two deliveries at once", () => {
  it("exactly one accept succeeds; the driver holds one assignment and the other offer is withdrawn", async () => {
    const o = await newOrg(QUIET);
    const nextOps = opsPool(o);
    for (let round = 0; round < 3; round++) {
      const driver = await availableDriver(o);
      const [d1, d2] = await Promise.all([
        o.addDelivery({ dispatch: "manual", pickup: PICKUP }),
        o.addDelivery({ dispatch: "manual", pickup: PICKUP }),
      ]);
      const [o1, o2] = [
        await ok((await nextOps()).post(`/deliveries/${d1.id}/offers`, { driverId: driver.id }), 201),
        await ok((await nextOps()).post(`/deliveries/${d2.id}/offers`, { driverId: driver.id }), 201),
      ];
      const answers = await settle(await Promise.all([accept(driver, o1.offerId), accept(driver, o2.offerId)]));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      const loser = answers.find((a) => a.status !== 200)!;
      expectConflict(loser);
      const winnerDelivery = answers[0]!.status === 200 ? d1 : d2;
      const loserDelivery = winnerDelivery === d1 ? d2 : d1;

      expect(await availabilityOf(o, driver.id)).toBe("busy");
      const [won, lost] = [await detail(o, winnerDelivery.id), await detail(o, loserDelivery.id)];
      expect(won).toMatchObject({ status: "assigned", assignedDriverId: driver.id });
      expect(won.assignment).toMatchObject({ driverId: driver.id, status: "ACTIVE" });
      expect(lost).toMatchObject({ status: "ready", assignedDriverId: null, assignment: null });
      expect(lost.offers.map((x: any) => x.status)).toEqual(["CANCELLED"]);
      const offers = (await ok(driver.client.get(`/drivers/${driver.id}/offers`))).offers;
      expect(offers.map((x: any) => x.status).sort()).toEqual(["ACCEPTED", "CANCELLED"]);
      expect(countOf(await auditEvents(o, loserDelivery.id), "driver_assigned")).toBe(0);
    }
  }, RACE_TIMEOUT_MS);
});

describe("reject racing accept of the same offer", () => {
  it("10 rounds: exactly one of them wins and the state matches the winner", async () => {
    const o = await newOrg(QUIET);
    const nextOps = opsPool(o);
    for (let round = 0; round < 10; round++) {
      const driver = await availableDriver(o);
      const delivery = await o.addDelivery({ dispatch: "manual", pickup: PICKUP });
      const offer = await ok((await nextOps()).post(`/deliveries/${delivery.id}/offers`, { driverId: driver.id }), 201);
      const race = [
        accept(driver, offer.offerId),
        driver.client.post(`/drivers/${driver.id}/offers/${offer.offerId}/reject`, { reason: "no_time" }),
      ];
      if (round % 2 === 1) race.reverse();
      const answers = await settle(await Promise.all(race));
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      expectConflict(answers.find((a) => a.status !== 200)!);
      const accepted = answers.some((a) => a.status === 200 && "assignmentId" in a.body);

      const d = await detail(o, delivery.id);
      const events = await auditEvents(o, delivery.id);
      if (accepted) {
        expect(d.offers[0].status).toBe("ACCEPTED");
        expect(d.assignment).toMatchObject({ driverId: driver.id, status: "ACTIVE" });
        expect(await availabilityOf(o, driver.id)).toBe("busy");
        expect(countOf(events, "offer_rejected")).toBe(0);
      } else {
        expect(d.offers[0]).toMatchObject({ status: "REJECTED", rejectionReason: "no_time" });
        expect(d.assignment).toBeNull();
        expect(d.status).toBe("ready");
        expect(await availabilityOf(o, driver.id)).toBe("available");
        expect(countOf(events, "offer_accepted")).toBe(0);
      }
    }
  }, RACE_TIMEOUT_MS);
});

describe("other races", () => {
  it("two ops offering one delivery to one driver at once: one 201, one 409", async () => {
    const o = await newOrg(QUIET);
    const driver = await availableDriver(o);
    const delivery = await o.addDelivery({ dispatch: "manual", pickup: PICKUP });
    const [a, b] = [await client("ops", o.org), await client("admin", o.org)];
    const answers = await settle(
      await Promise.all([a, b].map((c) => c.post(`/deliveries/${delivery.id}/offers`, { driverId: driver.id }))),
    );
    expect(answers.map((x) => x.status).sort()).toEqual([201, 409]);
    expect((await detail(o, delivery.id)).offers).toHaveLength(1);
  }, RACE_TIMEOUT_MS);

  it("accept racing a cancel of the delivery: the delivery ends cancelled and the driver free either way", async () => {
    const o = await newOrg(QUIET);
    const nextOps = opsPool(o);
    for (let round = 0; round < 5; round++) {
      const driver = await availableDriver(o);
      const delivery = await o.addDelivery({ dispatch: "manual", pickup: PICKUP });
      const offer = await ok((await nextOps()).post(`/deliveries/${delivery.id}/offers`, { driverId: driver.id }), 201);
      const [acceptAnswer, cancelAnswer] = await settle(
        await Promise.all([accept(driver, offer.offerId), o.service.post(`/deliveries/${delivery.id}/cancel`, { reason: "customer_cancelled" })]),
      );
      expect(cancelAnswer!.status).toBe(200);
      const d = await detail(o, delivery.id);
      expect(d.status).toBe("cancelled");
      expect(await availabilityOf(o, driver.id)).toBe("available");
      if (acceptAnswer!.status === 200) {
        expect(d.offers[0].status).toBe("ACCEPTED");
        expect(d.assignment).toMatchObject({ driverId: driver.id, status: "CANCELLED" });
      } else {
        expectConflict(acceptAnswer!);
        expect(d.offers[0].status).toBe("CANCELLED");
        expect(d.assignment).toBeNull();
      }
    }
  }, RACE_TIMEOUT_MS);
});
