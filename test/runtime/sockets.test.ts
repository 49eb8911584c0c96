/**
 * Driver and ops sockets through real upgrades of the Worker (docs/api.md "Sockets"): live offers,
 * accepts racing over socket and HTTP, `?since=` replay, hibernation, the ops stream of a zone,
 * client messages (malformed, rate limited, read-only, ping, location, accept/reject acks), auth
 * refusals, replacement (4000) and zone moves (4001), offers to absent drivers, and presence
 * (an open socket keeps a silent driver available; closing it lets the liveness check act).
 *
 * Every socket goes through test/helpers/sockets.ts, which checks that every server event parses
 * with `ZoneEvent` and that seq is continuous and eventId unique on each connection.
 */
import { evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { client, newOrg } from "../helpers/api";
import { squarePolygon } from "../helpers/geometry";
import { expectError, isoMs } from "../helpers/expect-error";
import { mintToken } from "../helpers/tokens";
import {
  type Message,
  type TestSocket,
  customerSocketPath,
  driverSocketPath,
  expectQuiet,
  closeOpenSockets,
  openSocket,
  opsSocketPath,
  upgrade,
} from "../helpers/sockets";
import { moveZoneClock, ok, runAlarmNow, sleep, zoneObject } from "../helpers/zone-object";

type Org = Awaited<ReturnType<typeof newOrg>>;
type Driver = Awaited<ReturnType<Org["addDriver"]>>;

/** Escalation pushed a day out, so clock moves add no events of their own. */
const QUIET = { escalationSeconds: [86_400, 172_800, 259_200] };
const PICKUP = { lat: 12.96, lon: 77.61 };
const north = (km: number) => ({ lat: PICKUP.lat + km / 111.195, lon: PICKUP.lon });

async function availableDriver(o: Org, location = north(0.5), extra: Record<string, unknown> = {}): Promise<Driver> {
  const d = await o.addDriver({ location, ...extra });
  await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
  await sleep(2);
  return d;
}

const driverSocket = (d: Driver, since?: number) => openSocket(driverSocketPath(d.id, since), { token: d.client.token });
const detail = (o: Org, id: string) => ok(o.ops.get(`/admin/deliveries/${id}`));
const availabilityOf = async (o: Org, id: string) => (await ok(o.admin.get(`/drivers/${id}`))).availability;

/** Waits until the zone object has seen a closed socket go (its close handler has run). */
const closeAndSettle = async (s: TestSocket) => {
  s.close();
  await sleep(30);
};

// A failed test stops before its own close() calls.
afterEach(closeOpenSockets);

describe("driver socket: live offers", () => {
  it("receives offer_created by the time the create request has returned", async () => {
    const o = await newOrg(QUIET);
    const d = await availableDriver(o);
    const s = await driverSocket(d);
    await s.waitForEvent("availability_changed", { toState: "available" }); // replayed (since=0)

    const delivery = await o.addDelivery({ pickup: PICKUP });
    await Promise.resolve(); // one microtask for the message event to be dispatched
    const offers = s.events("offer_created");
    expect(offers).toHaveLength(1);
    expect(offers[0]).toMatchObject({ deliveryId: delivery.id, payload: { pickupStoreName: "Downtown Market" } });
    const [pending] = (await ok(d.client.get(`/drivers/${d.id}/offers?status=PENDING`))).offers;
    expect(pending).toMatchObject({ id: offers[0]!.offerId, payload: offers[0]!.payload, expiresAt: offers[0]!.expiresAt });
    s.close();
  });

  it("an accept over the socket and a concurrent HTTP accept: exactly one wins, every round", async () => {
    const o = await newOrg(QUIET);
    const d = await availableDriver(o);
    const s = await driverSocket(d);
    const winners: string[] = [];
    const HEAD_STARTS_MS = [0, 0, 1, 2, 4, 8, 16, 32];
    for (let round = 0; round < HEAD_STARTS_MS.length; round++) {
      const from = s.mark();
      const delivery = await o.addDelivery({ pickup: PICKUP });
      const offer = await s.waitForEvent("offer_created", { deliveryId: delivery.id }, { from });
      const id = `round-${round}`;
      // The HTTP accept leaves first; the socket's follows after a growing head start, so that
      // the two arrive at the zone in both orders over the rounds (the HTTP one passes auth first).
      const http = d.client.post(`/drivers/${d.id}/offers/${offer.offerId}/accept`, {});
      await sleep(HEAD_STARTS_MS[round]!);
      s.send({ type: "accept_offer", id, offerId: offer.offerId });
      const [res, ack] = await Promise.all([http, s.waitFor((m) => m.type === "ack" && m.id === id, { from })]);
      const httpWon = res.status === 200;
      expect([httpWon, ack.ok].filter(Boolean), `round ${round}: ${res.status} / ${JSON.stringify(ack)}`).toHaveLength(1);
      if (httpWon) {
        expect(ack).toMatchObject({ for: "accept_offer", ok: false, error: expect.stringMatching(/already processed|not available|already assigned/i) });
        winners.push("http");
      } else {
        await expectError(res, 409);
        // The ack carries what the HTTP accept answers (less its `success`).
        expect(ack).toEqual({
          type: "ack",
          for: "accept_offer",
          ok: true,
          id,
          assignmentId: expect.any(String),
          deliveryId: delivery.id,
          driverId: d.id,
          responseTimeMs: expect.any(Number),
        });
        winners.push("socket");
      }
      const view = await detail(o, delivery.id);
      expect(view.status).toBe("assigned");
      expect(view.offers.filter((x: any) => x.status === "ACCEPTED")).toHaveLength(1);
      expect(view.assignment).toMatchObject({ driverId: d.id, status: "ACTIVE" });
      await s.waitForEvent("offer_accepted", { offerId: offer.offerId }, { from });
      // Free the driver for the next round.
      await ok(o.service.post(`/deliveries/${delivery.id}/cancel`, { reason: "round over" }));
      await s.waitForEvent("availability_changed", { toState: "available" }, { from });
      // One accept, one offer_accepted and one move to busy, whoever won.
      expect(s.events("offer_accepted").filter((e) => e.offerId === offer.offerId)).toHaveLength(1);
      expect(s.messages.slice(from).filter((m) => m.type === "availability_changed" && m.toState === "busy")).toHaveLength(1);
    }
    expect(winners).toHaveLength(HEAD_STARTS_MS.length);
    s.close();
  });
});

describe("driver socket: replay with ?since", () => {
  it("replays exactly the missed events in order, then continues live; seq and eventId hold across reconnects", async () => {
    const o = await newOrg(QUIET);
    const d = await availableDriver(o);
    const first = await driverSocket(d);
    const d1 = await o.addDelivery({ pickup: PICKUP });
    const offer1 = await first.waitForEvent("offer_created", { deliveryId: d1.id });
    const seen = first.lastEventSeq;
    expect(seen).toBe(2); // availability_changed, offer_created
    await closeAndSettle(first);

    // Missed while away: a rejection, a break, the resume, and a new offer.
    await ok(d.client.post(`/drivers/${d.id}/offers/${offer1.offerId}/reject`, { reason: "too_far" }));
    await ok(d.client.post(`/drivers/${d.id}/availability/take-break`, { durationMinutes: 10 }));
    await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
    const d2 = await o.addDelivery({ pickup: PICKUP });

    const second = await driverSocket(d, seen);
    await second.waitForEvent("offer_created", { deliveryId: d2.id });
    await sleep(30);
    const missed = second.events();
    expect(missed.map((e) => [e.seq, e.type, e.toState ?? e.deliveryId])).toEqual([
      [3, "offer_rejected", d1.id],
      [4, "availability_changed", "on_break"],
      [5, "availability_changed", "available"],
      [6, "offer_created", d2.id],
    ]);

    // Then live: the accept over this socket.
    const offer2 = missed[3]!;
    const ack = await second.request({ type: "accept_offer", offerId: offer2.offerId });
    expect(ack).toMatchObject({ type: "ack", for: "accept_offer", ok: true });
    await second.waitForEvent("availability_changed", { toState: "busy" });
    expect(second.events().map((e) => [e.seq, e.type])).toEqual([
      [3, "offer_rejected"],
      [4, "availability_changed"],
      [5, "availability_changed"],
      [6, "offer_created"],
      [7, "offer_accepted"],
      [8, "availability_changed"],
    ]);
    const lastSeen = second.lastEventSeq;
    await closeAndSettle(second);

    // Nothing missed since: a reconnect at the last seq replays nothing but gets the next live event.
    const third = await driverSocket(d, lastSeen);
    await expectQuiet([third], 50);
    expect(third.events()).toEqual([]);
    await ok(o.service.post(`/deliveries/${d2.id}/cancel`, { reason: "customer changed their mind" }));
    await third.waitForEvent("availability_changed", { toState: "available" });
    expect(third.events()[0]!.seq).toBe(lastSeen + 1);

    // The whole stream from the start: the same events, same seqs and eventIds, each once.
    const all = await driverSocket(d, 0);
    await all.waitFor((m) => m.seq === third.lastEventSeq);
    const sent = [...first.events(), ...second.events(), ...third.events()];
    expect(all.events().map((e) => [e.seq, e.eventId])).toEqual(sent.map((e) => [e.seq, e.eventId]));
    expect(new Set(sent.map((e) => e.eventId)).size).toBe(sent.length);
    third.close();
    all.close();
  });

  it("a hibernated zone object still delivers the next offer to the open socket, and takes its accept", async () => {
    const o = await newOrg(QUIET);
    const d = await availableDriver(o);
    const s = await driverSocket(d);
    const ops = await openSocket(opsSocketPath(o.zone.id), { token: o.ops.token });
    await s.waitForEvent("availability_changed");

    await evictDurableObject(zoneObject(o)); // sockets hibernate (the default)
    expect(s.closed).toBeNull();

    const delivery = await o.addDelivery({ pickup: PICKUP });
    const offer = await s.waitForEvent("offer_created", { deliveryId: delivery.id });
    expect(offer.seq).toBe(2); // numbering survives the eviction
    await ops.waitForEvent("offer_created", { offerId: offer.offerId });
    // Presence survives too: the offer was pushed over the socket.
    const made = (await detail(o, delivery.id)).offers[0];
    expect(made).toMatchObject({ id: offer.offerId, notificationMethod: "websocket" });

    await evictDurableObject(zoneObject(o));
    const ack = await s.request({ type: "accept_offer", id: "after-wake", offerId: offer.offerId });
    expect(ack).toMatchObject({ type: "ack", for: "accept_offer", ok: true, id: "after-wake", deliveryId: delivery.id });
    expect((await detail(o, delivery.id)).assignedDriverId).toBe(d.id);
    s.close();
    ops.close();
  });

  it("once every event of a stream has been pruned, the stream still continues at the next seq after a restart", async () => {
    const o = await newOrg({ ...QUIET, offlineAfterSeconds: 86_400 });
    const d = await availableDriver(o);
    await ok(d.client.post(`/drivers/${d.id}/availability/take-break`, { durationMinutes: 60 }));
    const before = await driverSocket(d);
    await before.waitForEvent("availability_changed", { toState: "on_break" });
    const lastSeen = before.lastEventSeq;
    expect(lastSeen).toBe(2);
    await closeAndSettle(before);

    // Past the 15-minute retention (the break runs on): the alarm prunes both events.
    await moveZoneClock(o, 16 * 60_000);
    await runAlarmNow(o);
    const emptied = await driverSocket(d, 0);
    await expectQuiet([emptied], 50);
    expect(emptied.events()).toEqual([]);
    await closeAndSettle(emptied);

    await evictDurableObject(zoneObject(o));
    const after = await driverSocket(d, lastSeen);
    await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
    const resumed = await after.waitForEvent("availability_changed", { toState: "available" });
    expect(resumed.seq).toBe(lastSeen + 1);
    after.close();
  });
});

describe("ops socket", () => {
  it("sees every offer and availability event of its zone, and nothing of another zone or org", async () => {
    const o = await newOrg(QUIET);
    const zone2 = await ok(o.admin.post("/admin/zones", { name: "North", polygon: squarePolygon({ lat: 13.3, lon: 77.6 }), settings: QUIET }), 201);
    const other = await newOrg(QUIET);
    const ops = await openSocket(opsSocketPath(o.zone.id), { token: o.ops.token });
    const adminOps = await openSocket(opsSocketPath(o.zone.id), { token: o.admin.token });

    // Zone 1: two drivers with their own sockets.
    const a = await availableDriver(o, north(0.3));
    const b = await availableDriver(o, north(2));
    const [sa, sb] = [await driverSocket(a), await driverSocket(b)];
    const d1 = await o.addDelivery({ pickup: PICKUP });
    const offerA = await sa.waitForEvent("offer_created", { deliveryId: d1.id });
    await ok(a.client.post(`/drivers/${a.id}/offers/${offerA.offerId}/reject`, { reason: "no_time" }));
    const offerB = await sb.waitForEvent("offer_created", { deliveryId: d1.id });
    await ok(b.client.post(`/drivers/${b.id}/offers/${offerB.offerId}/accept`, {}));
    await ok(a.client.post(`/drivers/${a.id}/availability/take-break`, { durationMinutes: 5 }));

    // Zone 2 of the same org, and the other org: busy too.
    const c = await o.addDriver({ zoneId: zone2.id, location: { lat: 13.3, lon: 77.6 } });
    await ok(c.client.post(`/drivers/${c.id}/availability/resume`));
    const d2 = await o.addDelivery({ pickup: { lat: 13.31, lon: 77.61 }, dropoff: { lat: 13.32, lon: 77.62 } });
    expect(d2.zoneId).toBe(zone2.id);
    const [offerC] = (await ok(c.client.get(`/drivers/${c.id}/offers?status=PENDING`))).offers;
    await ok(c.client.post(`/drivers/${c.id}/offers/${offerC.id}/accept`, {}));
    const x = await availableDriver(other, north(0.3));
    await other.addDelivery({ pickup: PICKUP });

    await ops.waitForEvent("availability_changed", { driverId: a.id, toState: "on_break" });
    await sb.waitForEvent("availability_changed", { toState: "busy" });
    await sleep(30);

    // Every driver-stream event of zone 1 reached ops, as the same event (eventId), and no more.
    const offerOrAvailability = (e: Message) => e.type.startsWith("offer_") || e.type === "availability_changed";
    const driverEvents = [...sa.events(), ...sb.events()];
    expect(driverEvents.every(offerOrAvailability)).toBe(true);
    const opsEvents = ops.events().filter(offerOrAvailability);
    expect(opsEvents.map((e) => e.eventId).sort()).toEqual(driverEvents.map((e) => e.eventId).sort());
    expect(opsEvents.map((e) => e.type)).toEqual([
      "availability_changed", // a resumes
      "availability_changed", // b resumes
      "offer_created", // a
      "offer_rejected",
      "offer_created", // b
      "offer_accepted",
      "availability_changed", // b busy
      "availability_changed", // a on break
    ]);
    // Zone health comes for zone 1 only: once on connect, then as its figures change.
    const healthEvents = ops.events("zone_health_updated");
    expect(healthEvents.filter((e) => e.seq === undefined)).toHaveLength(1);
    expect(healthEvents.every((e) => e.zoneId === o.zone.id)).toBe(true);
    // Besides those, only zone 1's delivery events: its creation (ops only), then its assignment.
    const deliveryEvents = ops.events().filter((e) => !offerOrAvailability(e) && e.type !== "zone_health_updated");
    expect(deliveryEvents.map((e) => [e.type, e.deliveryId, e.status])).toEqual([
      ["delivery_created", d1.id, undefined],
      ["delivery_status_changed", d1.id, "assigned"],
    ]);
    expect(ops.events().find((e) => e.type === "delivery_created")).toMatchObject({ orderId: d1.orderId, storeName: d1.storeName, dispatch: "auto" });
    const foreign = new Set([c.id, d2.id, offerC.id, x.id]);
    expect(ops.events().filter((e) => foreign.has(e.driverId) || foreign.has(e.deliveryId) || foreign.has(e.offerId))).toEqual([]);
    // An admin's ops socket gets the very same stream.
    const numbered = (socket: typeof ops) => socket.events().filter((e) => e.seq !== undefined).map((e) => [e.seq, e.eventId]);
    expect(numbered(adminOps)).toEqual(numbered(ops));
    for (const s of [ops, adminOps, sa, sb]) s.close();
  });
});

describe("driver messages", () => {
  it("malformed messages get an error and close nothing; other sockets are untouched", async () => {
    const o = await newOrg(QUIET);
    const a = await availableDriver(o);
    const b = await availableDriver(o, north(1));
    const [sa, sb] = [await driverSocket(a), await driverSocket(b)];
    const ops = await openSocket(opsSocketPath(o.zone.id), { token: o.ops.token });
    await sb.waitForEvent("availability_changed");
    // The zone's current health comes last, after the replay (both resumes).
    await ops.waitFor((m) => m.type === "zone_health_updated" && m.seq === undefined);
    const quietFrom = [sb.mark(), ops.mark()];

    const valid = '{"type":"ping","id":"big"}';
    const cases: [string, string, RegExp][] = [
      ["not JSON", "{type: ping", /not valid JSON/],
      ["unknown type", JSON.stringify({ type: "dance" }), /invalid message/],
      ["latitude out of range", JSON.stringify({ type: "location", lat: 95, lon: 77.6 }), /lat/],
      ["longitude not a number", JSON.stringify({ type: "location", lat: 12.9, lon: "77.6" }), /lon/],
      ["unknown field", JSON.stringify({ type: "location", lat: 12.9, lon: 77.6, altitude: 900 }), /invalid message/],
      ["offerId not a UUID", JSON.stringify({ type: "accept_offer", offerId: "offer-1" }), /offerId/],
      ["over 4096 bytes (ASCII padding)", valid + " ".repeat(4097 - valid.length), /4096/],
      // 4,096 characters but 4,160 bytes: the limit counts bytes.
      ["over 4096 bytes (multi-byte)", `{"type":"ping","id":"${"é".repeat(64)}"}`.padEnd(4096, " "), /4096/],
    ];
    for (const [name, raw, message] of cases) {
      const reply = await sa.request(raw);
      expect(reply, name).toMatchObject({ type: "error", message: expect.stringMatching(message) });
      expect(sa.closed, name).toBeNull();
    }
    // An invalid message with a readable id gets its id back in the error.
    expect(await sa.request(JSON.stringify({ type: "location", id: "fix-7", lat: 95, lon: 77.6 }))).toMatchObject({ type: "error", id: "fix-7" });
    // Exactly 4096 bytes is still fine.
    expect(await sa.request(valid.padEnd(4096, " "))).toEqual({ type: "pong", id: "big" });
    expect(await sa.request({ type: "ping", id: "still-here" })).toEqual({ type: "pong", id: "still-here" });
    expect(await sb.request({ type: "ping", id: "b" })).toEqual({ type: "pong", id: "b" });
    expect(sb.messages.slice(quietFrom[0]).filter((m) => m.type === "error")).toEqual([]);
    expect(ops.messages.slice(quietFrom[1])).toEqual([]);
    expect(await availabilityOf(o, a.id)).toBe("available");
    for (const s of [sa, sb, ops]) s.close();
  });

  it("more than 20 messages a second are dropped with an error; the socket stays usable", async () => {
    const o = await newOrg(QUIET);
    const a = await availableDriver(o);
    const b = await availableDriver(o, north(1));
    const [sa, sb] = [await driverSocket(a), await driverSocket(b)];
    const from = sa.mark();
    const burst = 50;
    for (let i = 0; i < burst; i++) sa.send({ type: "ping", id: `p${i}` });
    // The other driver's socket is not limited by a's burst.
    expect(await sb.request({ type: "ping", id: "b" })).toEqual({ type: "pong", id: "b" });
    await sa.waitFor(() => sa.messages.slice(from).filter((m) => m.type === "pong" || m.type === "error").length >= burst);
    const replies = sa.messages.slice(from);
    const pongs = replies.filter((m) => m.type === "pong");
    const dropped = replies.filter((m) => m.type === "error");
    expect(pongs.length + dropped.length).toBe(burst);
    // A burst this short spans at most two one-second windows.
    expect(pongs.length).toBeGreaterThanOrEqual(20);
    expect(pongs.length).toBeLessThanOrEqual(40);
    for (const e of dropped) expect(e.message).toMatch(/rate limited/);
    // Each refusal names the message it answers, so a client knows which to send again.
    expect([...pongs, ...dropped].map((m) => m.id).sort()).toEqual(Array.from({ length: burst }, (_, i) => `p${i}`).sort());
    expect(sa.closed).toBeNull();

    await sleep(1100);
    expect(await sa.request({ type: "ping", id: "later" })).toEqual({ type: "pong", id: "later" });
    sa.close();
    sb.close();
  });

  it("ops and customer sockets are read-only", async () => {
    const o = await newOrg(QUIET);
    const d = await availableDriver(o);
    const delivery = await o.addDelivery({ pickup: PICKUP, dispatch: "manual" });
    const ops = await openSocket(opsSocketPath(o.zone.id), { token: o.ops.token });
    const customer = await openSocket(customerSocketPath(delivery.orderId, delivery.trackingToken));
    const before = (await ok(o.admin.get(`/drivers/${d.id}`))).location;
    for (const s of [ops, customer]) {
      const reply = await s.request({ type: "location", lat: 12.99, lon: 77.7 });
      expect(reply).toMatchObject({ type: "error", message: expect.stringMatching(/read-only/) });
      expect((await s.request({ type: "accept_offer", offerId: crypto.randomUUID() })).type).toBe("error");
      expect(s.closed).toBeNull();
    }
    expect((await ok(o.admin.get(`/drivers/${d.id}`))).location).toEqual(before);
    ops.close();
    customer.close();
  });

  it("ping → pong; location acks say whether the fix was applied; accept/reject acks carry the refusal", async () => {
    const o = await newOrg(QUIET);
    const d = await availableDriver(o);
    const s = await driverSocket(d);
    expect(await s.request('{"type":"ping"}')).toEqual({ type: "pong" });
    expect(await s.request({ type: "ping", id: "p-1" })).toEqual({ type: "pong", id: "p-1" });

    const now = Date.now();
    const fix = { lat: 12.951, lon: 77.601, accuracyMeters: 8, speed: 3, heading: 90 };
    const applied = await s.request({ type: "location", id: "l-1", ...fix, recordedAt: new Date(now).toISOString() });
    expect(applied).toEqual({ type: "ack", for: "location", ok: true, id: "l-1", applied: true });
    expect((await ok(o.admin.get(`/drivers/${d.id}`))).location).toMatchObject({ ...fix, recordedAt: new Date(now).toISOString() });
    const stale = await s.request({ type: "location", lat: 12.5, lon: 77.5, recordedAt: new Date(now - 60_000).toISOString() });
    expect(stale).toEqual({ type: "ack", for: "location", ok: true, applied: false });
    expect((await ok(o.admin.get(`/drivers/${d.id}`))).location).toMatchObject({ lat: 12.951, lon: 77.601 });

    // Accept / reject of an offer that is not there, or no longer pending.
    const unknown = crypto.randomUUID();
    expect(await s.request({ type: "accept_offer", id: "a-0", offerId: unknown })).toEqual({
      type: "ack",
      for: "accept_offer",
      ok: false,
      id: "a-0",
      error: expect.stringMatching(/not found/i),
    });
    expect(await s.request({ type: "reject_offer", offerId: unknown })).toMatchObject({ for: "reject_offer", ok: false, error: expect.stringMatching(/not found/i) });
    const delivery = await o.addDelivery({ pickup: PICKUP });
    const offer = await s.waitForEvent("offer_created", { deliveryId: delivery.id });
    // As the HTTP reject answers: the reason, and the next offer when there is one (none here).
    expect(await s.request({ type: "reject_offer", id: "r-1", offerId: offer.offerId, reason: "bad_area" })).toEqual({
      type: "ack",
      for: "reject_offer",
      ok: true,
      id: "r-1",
      reason: "bad_area",
    });
    expect(await s.request({ type: "accept_offer", id: "a-1", offerId: offer.offerId })).toEqual({
      type: "ack",
      for: "accept_offer",
      ok: false,
      id: "a-1",
      error: expect.stringMatching(/already processed \(REJECTED\)/),
    });
    expect(await s.request({ type: "reject_offer", offerId: offer.offerId })).toMatchObject({ ok: false, error: expect.stringMatching(/already processed/) });
    expect((await detail(o, delivery.id)).offers[0]).toMatchObject({ status: "REJECTED", rejectionReason: "bad_area" });
    s.close();
  });
});

describe("upgrade refusals and the browser form", () => {
  it("answers 401/403/404/426 with the contract's error body, never 101", async () => {
    const o = await newOrg(QUIET);
    const d = await o.addDriver();
    const other = await o.addDriver();
    const delivery = await o.addDelivery({ pickup: PICKUP, dispatch: "manual" });
    const otherOrg = crypto.randomUUID();
    const foreignAdmin = await client("admin", otherOrg);
    const driverPath = `/v2/drivers/${d.id}/ws`;
    const opsPath = `/v2/admin/zones/${o.zone.id}/ws`;
    const orderPath = `/v2/orders/${delivery.orderId}/ws`;

    const cases: [string, Promise<Response>, number, string][] = [
      ["no token", upgrade(driverSocketPath(d.id)), 401, driverPath],
      ["garbage token", upgrade(driverSocketPath(d.id), { token: "not-a-jwt" }), 401, driverPath],
      ["expired token", upgrade(driverSocketPath(d.id), { token: await mintToken({ role: "driver", org: o.org, sub: d.id, expSeconds: -3600 }) }), 401, driverPath],
      ["bad subprotocol token", upgrade(driverSocketPath(d.id), { protocols: "dispatch.v2, bearer.not-a-jwt" }), 401, driverPath],
      ["another driver's token", upgrade(driverSocketPath(d.id), { token: other.client.token }), 403, driverPath],
      ["a driver on the ops route", upgrade(opsSocketPath(o.zone.id), { token: d.client.token }), 403, opsPath],
      ["a service token on the ops route", upgrade(opsSocketPath(o.zone.id), { token: o.service.token }), 403, opsPath],
      ["another org's admin", upgrade(opsSocketPath(o.zone.id), { token: foreignAdmin.token }), 404, opsPath],
      ["another org's driver token for this id", upgrade(driverSocketPath(d.id), { token: await mintToken({ role: "driver", org: otherOrg, sub: d.id }) }), 404, driverPath],
      ["wrong tracking token", upgrade(customerSocketPath(delivery.orderId, "not-the-token")), 401, orderPath],
      ["no tracking token", upgrade(`/orders/${delivery.orderId}/ws`), 401, orderPath],
      ["plain GET, driver route", upgrade(driverSocketPath(d.id), { token: d.client.token, upgrade: false }), 426, driverPath],
      ["plain GET, ops route", upgrade(opsSocketPath(o.zone.id), { token: o.ops.token, upgrade: false }), 426, opsPath],
      ["plain GET, customer route", upgrade(customerSocketPath(delivery.orderId, delivery.trackingToken), { upgrade: false }), 426, orderPath],
    ];
    for (const [name, pending, status, path] of cases) {
      const res = await pending;
      expect(res.webSocket, name).toBeNull();
      expect(res.status, name).toBe(status);
      const body = await expectError(res, status, path);
      if (status === 401) expect(body.message, name).toMatch(/Unauthorized/);
      if (status === 403) expect(body.message, name).toMatch(/Forbidden/);
    }
  });

  it("accepts the token as subprotocol bearer.<token> and answers Sec-WebSocket-Protocol: dispatch.v2", async () => {
    const o = await newOrg(QUIET);
    const d = await availableDriver(o);
    const s = await openSocket(driverSocketPath(d.id), { protocols: `dispatch.v2, bearer.${d.client.token}` });
    expect(s.response.status).toBe(101);
    expect(s.response.headers.get("Sec-WebSocket-Protocol")).toBe("dispatch.v2");
    await s.waitForEvent("availability_changed", { driverId: d.id });
    const ops = await openSocket(opsSocketPath(o.zone.id), { protocols: `dispatch.v2, bearer.${o.ops.token}` });
    expect(ops.response.headers.get("Sec-WebSocket-Protocol")).toBe("dispatch.v2");
    expect(await s.request({ type: "ping", id: "browser" })).toEqual({ type: "pong", id: "browser" });
    s.close();
    ops.close();
  });
});

describe("connection lifecycle", () => {
  it("a second socket of the same driver replaces the first (close code 4000)", async () => {
    const o = await newOrg(QUIET);
    const d = await availableDriver(o);
    const first = await driverSocket(d);
    await first.waitForEvent("availability_changed");
    const second = await driverSocket(d);
    expect((await first.waitForClose()).code).toBe(4000);
    const from = first.mark();
    const delivery = await o.addDelivery({ pickup: PICKUP });
    await second.waitForEvent("offer_created", { deliveryId: delivery.id });
    await expectQuiet([first], 30);
    expect(first.messages.slice(from)).toEqual([]);
    second.close();
    first.close();
  });

  it("a driver moved to another zone is disconnected (4001) and reconnects into the new zone", async () => {
    const o = await newOrg(QUIET);
    const zone2 = await ok(o.admin.post("/admin/zones", { name: "North", polygon: squarePolygon({ lat: 13.3, lon: 77.6 }), settings: QUIET }), 201);
    const d = await availableDriver(o);
    const s = await driverSocket(d);
    await s.waitForEvent("availability_changed");
    await ok(o.admin.patch(`/admin/drivers/${d.id}`, { zoneId: zone2.id }));
    expect((await s.waitForClose()).code).toBe(4001);

    await ok(d.client.post(`/drivers/${d.id}/location`, { lat: 13.3, lon: 77.6 }));
    const again = await driverSocket(d);
    const delivery = await o.addDelivery({ pickup: { lat: 13.31, lon: 77.61 }, dropoff: { lat: 13.32, lon: 77.62 } });
    expect(delivery.zoneId).toBe(zone2.id);
    await again.waitForEvent("offer_created", { deliveryId: delivery.id });
    again.close();
    s.close();
  });

  it("after a zone move, the driver's stream continues: ?since=<last seq seen> replays what came in the new zone", async () => {
    const o = await newOrg(QUIET);
    const zone2 = await ok(o.admin.post("/admin/zones", { name: "North", polygon: squarePolygon({ lat: 13.3, lon: 77.6 }), settings: QUIET }), 201);
    const d = await availableDriver(o);
    await ok(d.client.post(`/drivers/${d.id}/availability/take-break`, { durationMinutes: 5 }));
    await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
    const s = await driverSocket(d);
    await s.waitFor((m) => m.seq === 3);
    await ok(o.admin.patch(`/admin/drivers/${d.id}`, { zoneId: zone2.id }));
    expect((await s.waitForClose()).code).toBe(4001);

    // While the driver reconnects, an offer is made in the new zone.
    await ok(d.client.post(`/drivers/${d.id}/location`, { lat: 13.3, lon: 77.6 }));
    const delivery = await o.addDelivery({ pickup: { lat: 13.31, lon: 77.61 }, dropoff: { lat: 13.32, lon: 77.62 } });
    const again = await driverSocket(d, s.lastEventSeq);
    const offer = await again.waitForEvent("offer_created", { deliveryId: delivery.id });
    expect(offer.seq).toBe(s.lastEventSeq + 1);
    again.close();
    s.close();
  });
});

describe("notifications never block dispatch", () => {
  it("an absent driver's offer is made (notificationMethod none) and expires as usual; a connected driver's is pushed", async () => {
    const o = await newOrg({ ...QUIET, offerTimeoutSeconds: 10 });
    const absent = await availableDriver(o);
    const manual = await o.addDelivery({ pickup: PICKUP, dispatch: "manual" });
    const made = await ok(o.ops.post(`/deliveries/${manual.id}/offers`, { driverId: absent.id }), 201);
    let offer = (await detail(o, manual.id)).offers[0];
    expect(offer).toMatchObject({ id: made.offerId, status: "PENDING", notificationMethod: "none", notificationSentAt: null });

    await moveZoneClock(o, 10_000 + 100);
    await runAlarmNow(o);
    offer = (await detail(o, manual.id)).offers[0];
    expect(offer.status).toBe("EXPIRED");
    // What the driver missed waits for them.
    const late = await driverSocket(absent, 1);
    await late.waitForEvent("offer_expired", { offerId: made.offerId });
    expect(late.events().map((e) => e.type)).toEqual(["offer_created", "offer_expired"]);
    await moveZoneClock(o, 0);

    const present = await availableDriver(o, north(1));
    const s = await driverSocket(present);
    const second = await o.addDelivery({ pickup: PICKUP, dispatch: "manual" });
    const pushed = await ok(o.ops.post(`/deliveries/${second.id}/offers`, { driverId: present.id }), 201);
    await s.waitForEvent("offer_created", { offerId: pushed.offerId });
    const view = (await detail(o, second.id)).offers[0];
    expect(view).toMatchObject({ id: pushed.offerId, notificationMethod: "websocket", notificationSentAt: expect.stringMatching(isoMs) });
    expect(view.notificationSentAt).toBe(view.createdAt);
    late.close();
    s.close();
  });
});

describe("presence and liveness", () => {
  it("an open socket keeps a silent driver available; once closed the driver goes offline, its offer is cancelled and re-dispatched", async () => {
    const o = await newOrg({ ...QUIET, offlineAfterSeconds: 30, offerTimeoutSeconds: 120 });
    const ops = await openSocket(opsSocketPath(o.zone.id), { token: o.ops.token });
    const near = await availableDriver(o, north(0.3));
    const far = await availableDriver(o, north(2));
    const [sNear, sFar] = [await driverSocket(near), await driverSocket(far)];
    const delivery = await o.addDelivery({ pickup: PICKUP });
    const offer = await sNear.waitForEvent("offer_created", { deliveryId: delivery.id });

    // 40 s of silence (no requests, no positions), but both sockets are open.
    await moveZoneClock(o, 40_000);
    await runAlarmNow(o);
    expect(await availabilityOf(o, near.id)).toBe("available");
    expect(await availabilityOf(o, far.id)).toBe("available");
    expect((await detail(o, delivery.id)).offers.map((x: any) => x.status)).toEqual(["PENDING"]);

    await closeAndSettle(sNear);
    const from = ops.mark();
    await moveZoneClock(o, 75_000);
    // A sign of life over the socket (a ping with an id reaches the zone) keeps `far` a fresh candidate.
    expect(await sFar.request({ type: "ping", id: "alive" })).toEqual({ type: "pong", id: "alive" });
    await runAlarmNow(o);
    expect(await availabilityOf(o, near.id)).toBe("offline");
    expect(await availabilityOf(o, far.id)).toBe("available");
    await ops.waitForEvent("availability_changed", { driverId: near.id, toState: "offline" }, { from });
    expect(ops.events("availability_changed").at(-1)).toMatchObject({ fromState: "available", reason: "not_heard_from" });
    await ops.waitForEvent("offer_cancelled", { offerId: offer.offerId }, { from });

    const offers = (await detail(o, delivery.id)).offers;
    expect(offers.map((x: any) => [x.driverId, x.status])).toEqual([
      [near.id, "CANCELLED"],
      [far.id, "PENDING"],
    ]);
    await sFar.waitForEvent("offer_created", { deliveryId: delivery.id });
    // The driver's own stream has both, for when it reconnects.
    const back = await driverSocket(near, sNear.lastEventSeq);
    await back.waitForEvent("offer_cancelled", { offerId: offer.offerId });
    expect(back.events().map((e) => [e.type, e.toState ?? e.reason])).toEqual([
      ["availability_changed", "offline"],
      ["offer_cancelled", "driver_offline"],
    ]);
    for (const s of [ops, sFar, back]) s.close();
  });

  it("a connected driver who sends nothing is still a candidate: presence counts as being heard from", async () => {
    const o = await newOrg({ ...QUIET, offlineAfterSeconds: 30 });
    const d = await availableDriver(o, north(0.3));
    const s = await driverSocket(d);
    await s.waitForEvent("availability_changed");
    await moveZoneClock(o, 40_000);
    await runAlarmNow(o);
    expect(await availabilityOf(o, d.id)).toBe("available");
    // Still available (its socket is open), so a new delivery nearby must be offered to it.
    const delivery = await o.addDelivery({ pickup: PICKUP });
    const offers = (await detail(o, delivery.id)).offers;
    expect(offers.map((x: any) => [x.driverId, x.status])).toEqual([[d.id, "PENDING"]]);
    await s.waitForEvent("offer_created", { deliveryId: delivery.id });
    s.close();
  });
});
