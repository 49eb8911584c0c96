/**
 * Driver availability through the real Worker and zone object (docs/api-notes.md "Drivers"): the
 * seed's response shapes, every move of the table reachable through the API today (`busy` needs
 * offers, which have no route yet), 409/400/403 refusals, the history read, and the two system
 * moves driven by the zone's alarm — break expiry and offline detection.
 *
 * Timers: a break lasts at least a minute, so break tests move the zone object's `clock` seam
 * (ZoneDispatcher.clock) to `breakUntil` and run the alarm; offline detection uses a zone with
 * `offlineAfterSeconds: 1` and real time. Real alarms may fire on their own at any point (the
 * outbox flush alarm is set to "now" after every write), so every check reads through the API,
 * which merges D1 with the unflushed outbox, and holds whichever alarm runs first.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import { type Client, json, newOrg } from "../helpers/api";

type Org = Awaited<ReturnType<typeof newOrg>>;
type Driver = Awaited<ReturnType<Org["addDriver"]>>;

interface HistoryRow {
  fromState: string;
  toState: string;
  reason: string | null;
  actorId: string | null;
  actorType: string;
  timestamp: string;
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const zoneObject = (o: Org) => env.ZONES.getByName(`${o.org}:${o.zone.id}`);

/** Makes the zone object's "now" the given instant (never earlier than real time). */
async function setZoneClock(o: Org, at: number): Promise<void> {
  await runInDurableObject(zoneObject(o), (zone: ZoneDispatcher) => {
    zone.clock = () => Math.max(Date.now(), at);
  });
}

/**
 * Waits until no real alarm is in flight: right after a write the flush alarm is due "now" and
 * `getAlarm()` reads null while it runs. Settled = an alarm armed in the future.
 */
async function settledAlarm(o: Org): Promise<number> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const at = await runInDurableObject(zoneObject(o), (_zone, state) => state.storage.getAlarm());
    if (at !== null && at > Date.now()) return at;
    if (Date.now() > deadline) throw new Error(`zone alarm never settled (getAlarm() = ${at})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Runs the zone's alarm handler now. runDurableObjectAlarm runs the armed alarm; if a real one
 * happens to be in flight (nothing armed that instant) the handler is called directly, which is
 * what a repeated alarm delivery does — handlers must tolerate it.
 */
async function runAlarmNow(o: Org): Promise<void> {
  const stub = zoneObject(o);
  if (!(await runDurableObjectAlarm(stub))) await runInDurableObject(stub, (zone: ZoneDispatcher) => zone.alarm());
}

async function availabilityOf(o: Org, driverId: string): Promise<string> {
  const res = await o.admin.get(`/drivers/${driverId}`);
  expect(res.status).toBe(200);
  return (await json(res)).availability;
}

async function historyOf(reader: Client, driverId: string, limit?: number): Promise<HistoryRow[]> {
  const res = await reader.get(`/drivers/${driverId}/availability/history${limit ? `?limit=${limit}` : ""}`);
  expect(res.status).toBe(200);
  return (await json(res)).history;
}

const act = (d: Driver, move: "take-break" | "end-shift" | "resume", body?: unknown) =>
  d.client.post(`/drivers/${d.id}/availability/${move}`, body);

async function expectOk(res: Promise<Response> | Response, status = 200): Promise<any> {
  const r = await res;
  const body = await json(r);
  expect(r.status, JSON.stringify(body)).toBe(status);
  return body;
}

/** A seed error body for `path`, with the given status. */
async function expectError(res: Promise<Response> | Response, status: number, path: string): Promise<any> {
  const r = await res;
  const body = await json(r);
  expect(r.status, JSON.stringify(body)).toBe(status);
  expect(body).toMatchObject({ statusCode: status, path: `/v2${path}`, message: expect.any(String) });
  expect(body.timestamp).toMatch(ISO_MS);
  expect(body.error).toBe({ 400: "Bad Request", 403: "Forbidden", 409: "Conflict" }[status]);
  return body;
}

/** Brings a fresh (offline) driver to `state` through the API, as the driver or ops would. */
async function driverIn(o: Org, state: "offline" | "available" | "on_break" | "shift_ended"): Promise<Driver> {
  const d = await o.addDriver();
  if (state === "offline") return d;
  await expectOk(act(d, "resume"));
  if (state === "on_break") await expectOk(act(d, "take-break", { durationMinutes: 30 }));
  if (state === "shift_ended") await expectOk(act(d, "end-shift"));
  expect(await availabilityOf(o, d.id)).toBe(state);
  return d;
}

describe("availability moves by the driver (seed shapes)", () => {
  it("resume, take-break and end-shift answer exactly the seed's bodies", async () => {
    const o = await newOrg();
    const d = await o.addDriver();
    expect(d.availability).toBe("offline");

    expect(await expectOk(act(d, "resume"))).toStrictEqual({ success: true, status: "available", driverId: d.id });

    const before = Date.now();
    const onBreak = await expectOk(act(d, "take-break", { durationMinutes: 15, reason: "lunch_break" }));
    const after = Date.now();
    expect(onBreak).toStrictEqual({ success: true, status: "on_break", breakUntil: expect.any(String), driverId: d.id });
    expect(onBreak.breakUntil).toMatch(ISO_MS);
    const until = Date.parse(onBreak.breakUntil);
    expect(until).toBeGreaterThanOrEqual(before + 15 * 60_000 - 1000);
    expect(until).toBeLessThanOrEqual(after + 15 * 60_000 + 1000);

    expect(await expectOk(act(d, "end-shift"))).toStrictEqual({ success: true, status: "shift_ended", driverId: d.id });
    expect(await availabilityOf(o, d.id)).toBe("shift_ended");
  });

  it("walks every driver move of the table and records each one in the history, newest first", async () => {
    const o = await newOrg();
    const d = await o.addDriver();
    const steps: [Parameters<typeof act>[1], unknown, string, string][] = [
      ["resume", undefined, "offline", "available"],
      ["take-break", { durationMinutes: 5, reason: "coffee" }, "available", "on_break"],
      ["resume", undefined, "on_break", "available"],
      ["end-shift", undefined, "available", "shift_ended"],
      ["resume", undefined, "shift_ended", "available"],
      ["take-break", { durationMinutes: 240 }, "available", "on_break"],
      ["end-shift", { reason: "done for today" }, "on_break", "shift_ended"],
    ];
    for (const [move, body, , to] of steps) {
      await expectOk(act(d, move, body));
      expect(await availabilityOf(o, d.id)).toBe(to);
    }

    const history = await historyOf(d.client, d.id);
    expect(history.map((h) => [h.fromState, h.toState])).toEqual(steps.map(([, , from, to]) => [from, to]).reverse());
    for (const row of history) {
      expect(Object.keys(row).sort()).toEqual(["actorId", "actorType", "fromState", "reason", "timestamp", "toState"]);
      expect(row).toMatchObject({ actorType: "driver", actorId: d.id });
      expect(row.timestamp).toMatch(ISO_MS);
    }
    expect(history[0]!.reason).toBe("done for today");
    expect(history[5]!.reason).toBe("coffee");
    expect(history[6]!.reason).toBeNull();
    const times = history.map((h) => Date.parse(h.timestamp));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("offline drivers may end their shift too", async () => {
    const o = await newOrg();
    const d = await driverIn(o, "offline");
    await expectOk(act(d, "end-shift"));
    expect(await availabilityOf(o, d.id)).toBe("shift_ended");
    expect((await historyOf(o.ops, d.id))[0]).toMatchObject({ fromState: "offline", toState: "shift_ended" });
  });

  it("the history read honours limit and is readable by the driver and ops", async () => {
    const o = await newOrg();
    const d = await o.addDriver();
    await expectOk(act(d, "resume"));
    await expectOk(act(d, "take-break", { durationMinutes: 10 }));
    await expectOk(act(d, "resume"));
    await expectOk(act(d, "end-shift"));

    const all = await historyOf(d.client, d.id);
    expect(all).toHaveLength(4);
    const two = await historyOf(d.client, d.id, 2);
    expect(two).toEqual(all.slice(0, 2));
    expect(two.map((h) => h.toState)).toEqual(["shift_ended", "available"]);
    expect(await historyOf(o.ops, d.id, 1)).toEqual(all.slice(0, 1));

    const other = await o.addDriver();
    await expectError(other.client.get(`/drivers/${d.id}/availability/history`), 403, `/drivers/${d.id}/availability/history`);
    await expectError(d.client.get(`/drivers/${d.id}/availability/history?limit=0`), 400, `/drivers/${d.id}/availability/history`);
  });
});

describe("illegal moves are refused and change nothing", () => {
  const conflicts: [string, "offline" | "available" | "on_break" | "shift_ended", Parameters<typeof act>[1], unknown][] = [
    ["resume while available", "available", "resume", undefined],
    ["take-break while offline", "offline", "take-break", { durationMinutes: 10 }],
    ["take-break while on_break", "on_break", "take-break", { durationMinutes: 10 }],
    ["take-break while shift_ended", "shift_ended", "take-break", { durationMinutes: 10 }],
    ["end-shift while shift_ended", "shift_ended", "end-shift", undefined],
  ];

  it.each(conflicts)("%s → 409 with the error body", async (_name, state, move, body) => {
    const o = await newOrg();
    const d = await driverIn(o, state);
    const before = await historyOf(o.ops, d.id);
    const path = `/drivers/${d.id}/availability/${move}`;
    const error = await expectError(act(d, move, body), 409, path);
    expect(error.details).toBeUndefined();
    expect(await availabilityOf(o, d.id)).toBe(state);
    expect(await historyOf(o.ops, d.id)).toEqual(before);
  });

  it.each([
    ["0", { durationMinutes: 0 }],
    ["241", { durationMinutes: 241 }],
    ["1.5", { durationMinutes: 1.5 }],
    ["missing", {}],
    ["a string", { durationMinutes: "10" }],
  ])("take-break with durationMinutes %s → 400 naming body.durationMinutes", async (_name, body) => {
    const o = await newOrg();
    const d = await driverIn(o, "available");
    const error = await expectError(act(d, "take-break", body), 400, `/drivers/${d.id}/availability/take-break`);
    expect(error.message).toMatch(/^Validation failed/);
    expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: "body.durationMinutes" })]));
    expect(await availabilityOf(o, d.id)).toBe("available");
  });

  it("an unknown field is a 400, and a driver acting on another driver is a 403", async () => {
    const o = await newOrg();
    const d = await driverIn(o, "available");
    const other = await o.addDriver();
    const path = `/drivers/${d.id}/availability/take-break`;
    const unknown = await expectError(act(d, "take-break", { durationMinutes: 5, mood: "tired" }), 400, path);
    expect(unknown.details).toEqual([{ path: "body.mood", message: expect.any(String) }]);
    const forbidden = await expectError(other.client.post(path, { durationMinutes: 5 }), 403, path);
    expect(forbidden.message).toContain("Forbidden");
    expect(await availabilityOf(o, d.id)).toBe("available");
  });
});

describe("pause and unpause (ops)", () => {
  const pausable = ["available", "on_break", "shift_ended", "offline"] as const;

  it.each(pausable)("%s → paused → available, recorded with actor admin", async (state) => {
    const o = await newOrg();
    const d = await driverIn(o, state);
    const paused = await expectOk(o.ops.post(`/admin/drivers/${d.id}/pause`, { reason: "document check" }));
    expect(paused).toMatchObject({ success: true, status: "paused", driverId: d.id });
    expect(await availabilityOf(o, d.id)).toBe("paused");

    const unpaused = await expectOk(o.ops.post(`/admin/drivers/${d.id}/unpause`));
    expect(unpaused).toMatchObject({ success: true, status: "available", driverId: d.id });
    expect(await availabilityOf(o, d.id)).toBe("available");

    const [back, away] = await historyOf(d.client, d.id, 2);
    expect(away).toMatchObject({ fromState: state, toState: "paused", reason: "document check", actorType: "admin", actorId: o.ops.sub });
    expect(back).toMatchObject({ fromState: "paused", toState: "available", reason: null, actorType: "admin", actorId: o.ops.sub });
  });

  it("admins may pause too; a driver token is a 403 and changes nothing", async () => {
    const o = await newOrg();
    const d = await driverIn(o, "available");
    const path = `/admin/drivers/${d.id}/pause`;
    const forbidden = await expectError(d.client.post(path), 403, path);
    expect(forbidden.message).toContain("Forbidden");
    await expectError(d.client.post(`/admin/drivers/${d.id}/unpause`), 403, `/admin/drivers/${d.id}/unpause`);
    await expectError(o.service.post(path), 403, path);
    expect(await availabilityOf(o, d.id)).toBe("available");

    await expectOk(o.admin.post(path));
    expect((await historyOf(o.ops, d.id, 1))[0]).toMatchObject({ toState: "paused", actorType: "admin", actorId: o.admin.sub });
  });

  it("unpause while available, pause while paused, and the driver's own moves while paused → 409", async () => {
    const o = await newOrg();
    const d = await driverIn(o, "available");
    await expectError(o.ops.post(`/admin/drivers/${d.id}/unpause`), 409, `/admin/drivers/${d.id}/unpause`);
    await expectOk(o.ops.post(`/admin/drivers/${d.id}/pause`));
    const before = await historyOf(o.ops, d.id);
    await expectError(o.ops.post(`/admin/drivers/${d.id}/pause`), 409, `/admin/drivers/${d.id}/pause`);
    await expectError(act(d, "resume"), 409, `/drivers/${d.id}/availability/resume`);
    await expectError(act(d, "take-break", { durationMinutes: 5 }), 409, `/drivers/${d.id}/availability/take-break`);
    await expectError(act(d, "end-shift"), 409, `/drivers/${d.id}/availability/end-shift`);
    expect(await availabilityOf(o, d.id)).toBe("paused");
    expect(await historyOf(o.ops, d.id)).toEqual(before);
  });

  it("ops acting on a driver's availability route is recorded as admin", async () => {
    const o = await newOrg();
    const d = await o.addDriver();
    await expectOk(o.ops.post(`/drivers/${d.id}/availability/resume`));
    expect((await historyOf(d.client, d.id, 1))[0]).toMatchObject({
      fromState: "offline",
      toState: "available",
      actorType: "admin",
      actorId: o.ops.sub,
    });
  });
});

describe("location reports", () => {
  it("are accepted in every state and never change the availability or the history", async () => {
    const o = await newOrg();
    const states = ["offline", "available", "on_break", "shift_ended"] as const;
    const drivers = await Promise.all(states.map((s) => driverIn(o, s)));
    const paused = await driverIn(o, "available");
    await expectOk(o.ops.post(`/admin/drivers/${paused.id}/pause`));

    for (const [d, state] of [...drivers.map((d, i) => [d, states[i]!] as const), [paused, "paused"] as const]) {
      const before = await historyOf(o.ops, d.id);
      const res = await expectOk(d.client.post(`/drivers/${d.id}/location`, { lat: 12.951, lon: 77.601, accuracyMeters: 8 }));
      expect(res).toMatchObject({ success: true, driverId: d.id });
      expect(await availabilityOf(o, d.id)).toBe(state);
      expect(await historyOf(o.ops, d.id)).toEqual(before);
    }
  });
});

describe("break expiry (alarm)", () => {
  /** An available driver who has just taken a one-minute break; answers its end. */
  async function onOneMinuteBreak(o: Org): Promise<{ d: Driver; until: number }> {
    const d = await driverIn(o, "available");
    const res = await expectOk(act(d, "take-break", { durationMinutes: 1, reason: "tea" }));
    return { d, until: Date.parse(res.breakUntil) };
  }

  function expectBreakExpiredRow(row: HistoryRow | undefined, until: number): void {
    expect(row).toStrictEqual({
      fromState: "on_break",
      toState: "available",
      reason: "break_expired",
      actorId: null,
      actorType: "system",
      timestamp: new Date(until).toISOString(),
    });
  }

  it("does nothing before breakUntil, and at breakUntil makes the driver available once", async () => {
    const o = await newOrg();
    const { d, until } = await onOneMinuteBreak(o);
    const stub = zoneObject(o);
    // Once the flush is done, the one alarm stands at the break's end (the earliest timer).
    expect(await settledAlarm(o)).toBe(until);

    await setZoneClock(o, until - 1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await availabilityOf(o, d.id)).toBe("on_break");
    expect(await settledAlarm(o)).toBe(until);

    await setZoneClock(o, until);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await availabilityOf(o, d.id)).toBe("available");
    const history = await historyOf(d.client, d.id);
    expectBreakExpiredRow(history[0], until);
    expect(history).toHaveLength(3);

    // The alarm may run again (any number of times): nothing more happens.
    await runAlarmNow(o);
    await runInDurableObject(stub, (zone: ZoneDispatcher) => zone.alarm());
    expect(await historyOf(d.client, d.id)).toEqual(history);
    expect(await availabilityOf(o, d.id)).toBe("available");
    // The fired break timer is gone: the alarm moved on to a later timer, not stuck at the break.
    expect(await runInDurableObject(stub, (_zone, state) => state.storage.getAlarm())).toBeGreaterThan(until);
  });

  it("survives eviction: the new instance still ends the break at breakUntil", async () => {
    const o = await newOrg();
    const { d, until } = await onOneMinuteBreak(o);
    const stub = zoneObject(o);
    await settledAlarm(o);

    await evictDurableObject(stub);
    // The alarm and the timers are storage, not memory.
    expect(await runInDurableObject(stub, (_zone, state) => state.storage.getAlarm())).toBe(until);
    const driver = await json(await o.admin.get(`/drivers/${d.id}`));
    expect(driver).toMatchObject({ availability: "on_break", availabilityUntil: new Date(until).toISOString() });

    await setZoneClock(o, until);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await availabilityOf(o, d.id)).toBe("available");
    const history = await historyOf(o.ops, d.id);
    expectBreakExpiredRow(history[0], until);

    await evictDurableObject(stub);
    await setZoneClock(o, until + 1000);
    await runAlarmNow(o);
    await runInDurableObject(stub, (zone: ZoneDispatcher) => zone.alarm());
    expect(await historyOf(o.ops, d.id)).toEqual(history);
  });

  it("a break ended early by resume, or cut short by a pause, does not expire later", async () => {
    const o = await newOrg();
    const resumed = await onOneMinuteBreak(o);
    const paused = await onOneMinuteBreak(o);
    await expectOk(act(resumed.d, "resume"));
    await expectOk(o.ops.post(`/admin/drivers/${paused.d.id}/pause`));
    await expectOk(o.ops.post(`/admin/drivers/${paused.d.id}/unpause`));
    const before = await Promise.all([historyOf(o.ops, resumed.d.id), historyOf(o.ops, paused.d.id)]);
    // Their break timers are gone, so the one alarm no longer stands at either break's end.
    expect(await settledAlarm(o)).toBeGreaterThan(Math.max(resumed.until, paused.until));

    await setZoneClock(o, Math.max(resumed.until, paused.until) + 1000);
    await runAlarmNow(o);

    expect(await Promise.all([historyOf(o.ops, resumed.d.id), historyOf(o.ops, paused.d.id)])).toEqual(before);
    expect(before.flat().some((h) => h.reason === "break_expired")).toBe(false);
  });
});

describe("offline detection (alarm)", () => {
  it("takes silent available and on-break drivers offline; drivers who keep reporting stay", async () => {
    const o = await newOrg({ offlineAfterSeconds: 1 });
    const silent = await driverIn(o, "available");
    const silentOnBreak = await driverIn(o, "on_break");
    const reporting = await driverIn(o, "available");
    const shiftOver = await driverIn(o, "shift_ended");
    const lastHeard = Date.now();

    // ~1.6 s of real time, the reporting driver posting a position every 200 ms.
    for (let i = 0; i < 8; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expectOk(reporting.client.post(`/drivers/${reporting.id}/location`, { lat: 12.95 + i / 10_000, lon: 77.6 }));
    }
    expect(Date.now() - lastHeard).toBeGreaterThanOrEqual(1000);
    await runAlarmNow(o);

    expect(await availabilityOf(o, silent.id)).toBe("offline");
    expect(await availabilityOf(o, silentOnBreak.id)).toBe("offline");
    expect(await availabilityOf(o, reporting.id)).toBe("available");
    expect(await availabilityOf(o, shiftOver.id)).toBe("shift_ended");

    for (const [d, from] of [
      [silent, "available"],
      [silentOnBreak, "on_break"],
    ] as const) {
      const [row] = await historyOf(d.client, d.id, 1);
      expect(row).toMatchObject({ fromState: from, toState: "offline", actorType: "system", actorId: null });
      expect(row!.reason).toEqual(expect.any(String));
    }
    expect((await historyOf(o.ops, reporting.id)).map((h) => h.toState)).toEqual(["available"]);

    // Another alarm run does not repeat the offline row; resume brings the driver back.
    const before = await historyOf(o.ops, silent.id);
    await runAlarmNow(o);
    expect(await historyOf(o.ops, silent.id)).toEqual(before);
    await expectOk(act(silent, "resume"));
    expect((await historyOf(o.ops, silent.id, 1))[0]).toMatchObject({ fromState: "offline", toState: "available" });
  });
});
