/**
 * The registry is the only path into a zone's decisions: the same driver action sent over HTTP
 * (the zone object's `decide` RPC) and over the driver's socket (a message) runs the same
 * command with the same input, so it commits the same changes and answers the same.
 *
 * Two orgs are driven through the same steps, one over HTTP, one over the socket; each committed
 * change set is captured through the `onCommit` seam and normalised (UUIDs numbered by first
 * appearance, times blanked: the two orgs run a few milliseconds apart), then compared step by
 * step.
 */
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { ZoneChanges } from "../../src/domain/zone-changes";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import { newOrg } from "../helpers/api";
import { type TestSocket, closeOpenSockets, driverSocketPath, openSocket } from "../helpers/sockets";
import { moveZoneClock, ok, sleep, zoneObject } from "../helpers/zone-object";

type Org = Awaited<ReturnType<typeof newOrg>>;
type Driver = Awaited<ReturnType<Org["addDriver"]>>;

const QUIET = { escalationSeconds: [86_400, 172_800, 259_200] };
const PICKUP = { lat: 12.96, lon: 77.61 };
/** Ids the service issues, and the test's random order references. */
const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|ORD-[0-9a-f]{8}/g;
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g;

/** Values that differ between two runs a few milliseconds apart, whatever path they took. */
const BLANKED: Record<string, (value: unknown) => unknown> = {
  trackingTokenHash: (v) => typeof v === "string" && "<token hash>",
  responseTimeMs: (v) => typeof v === "number" && "<duration>",
  // Zone health's recent waits: [creation minute, total wait ms, count].
  waits: (v) => Array.isArray(v) && v.map((bucket) => (Array.isArray(bucket) ? ["<minute>", "<duration>", bucket[2]] : bucket)),
};

/** Maps and Sets as arrays; ids numbered by first appearance; times, tokens and durations blanked. */
function normalise(changes: unknown[]): unknown {
  const text = JSON.stringify(changes, (key, value) =>
    BLANKED[key] ? BLANKED[key](value) : value instanceof Map ? [...value.entries()] : value instanceof Set ? [...value] : value,
  );
  const ids = new Map<string, string>();
  const named = text.replace(ID, (id) => {
    if (!ids.has(id)) ids.set(id, `id${ids.size}`);
    return ids.get(id)!;
  });
  return JSON.parse(named.replace(ISO, "<time>").replace(/\b1\d{12}\b/g, "\"<ms>\""));
}

interface Run {
  o: Org;
  d: Driver;
  socket: TestSocket;
  /** What each step committed. */
  commits: ZoneChanges[][];
  /** Where commits go now (null between steps: set-up decisions are not compared). */
  capture: ZoneChanges[] | null;
}

async function start(): Promise<Run> {
  const o = await newOrg(QUIET);
  // Ahead of real time, so every decision of both runs sees a stored position as due for saving.
  await moveZoneClock(o, 3_600_000);
  const d = await o.addDriver({ location: { lat: PICKUP.lat + 0.005, lon: PICKUP.lon } });
  await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
  const socket = await openSocket(driverSocketPath(d.id), { token: d.client.token });
  const run: Run = { o, d, socket, commits: [], capture: null };
  await runInDurableObject(zoneObject(o), (zone: ZoneDispatcher) => {
    zone.onCommit = (changes) => run.capture?.push(changes);
  });
  return run;
}

/** Runs one step, capturing what it committed. */
async function step<T>(run: Run, action: () => Promise<T>): Promise<T> {
  const captured: ZoneChanges[] = [];
  run.capture = captured;
  const answer = await action();
  await sleep(5);
  run.capture = null;
  run.commits.push(captured);
  return answer;
}

async function offerTo(run: Run): Promise<string> {
  const from = run.socket.mark();
  const delivery = await run.o.addDelivery({ pickup: PICKUP });
  return (await run.socket.waitForEvent("offer_created", { deliveryId: delivery.id }, { from })).offerId as string;
}

afterEach(closeOpenSockets);

describe("one command path for HTTP and socket", () => {
  it("location, reject, accept and a status report commit identical changes and answer alike", async () => {
    const http = await start();
    const ws = await start();
    const answers = { http: [] as unknown[], ws: [] as unknown[] };
    const over = async (run: Run, message: Record<string, unknown>) => {
      const { type: _t, id: _id, for: _f, ok: okay, ...rest } = await run.socket.request({ ...message, id: "m" });
      expect(okay).toBe(true);
      return rest;
    };
    const viaHttp = async (run: Run, path: string, body: unknown) => {
      const { success: _s, ...rest } = await ok(run.d.client.post(path, body));
      return rest;
    };

    const fix = { lat: PICKUP.lat + 0.004, lon: PICKUP.lon, accuracyMeters: 5 };
    answers.http.push(await step(http, () => viaHttp(http, `/drivers/${http.d.id}/location`, fix)));
    answers.ws.push(await step(ws, () => over(ws, { type: "location", ...fix })));

    const [rejectHttp, rejectWs] = [await offerTo(http), await offerTo(ws)];
    answers.http.push(await step(http, () => viaHttp(http, `/drivers/${http.d.id}/offers/${rejectHttp}/reject`, { reason: "too_far" })));
    answers.ws.push(await step(ws, () => over(ws, { type: "reject_offer", offerId: rejectWs, reason: "too_far" })));

    const [acceptHttp, acceptWs] = [await offerTo(http), await offerTo(ws)];
    answers.http.push(await step(http, () => viaHttp(http, `/drivers/${http.d.id}/offers/${acceptHttp}/accept`, {})));
    answers.ws.push(await step(ws, () => over(ws, { type: "accept_offer", offerId: acceptWs })));

    const deliveryOf = (a: unknown) => (a as { deliveryId: string }).deliveryId;
    const [assignedHttp, assignedWs] = [deliveryOf(answers.http[2]), deliveryOf(answers.ws[2])];
    const pickedUp = await step(http, () =>
      ok(http.d.client.post(`/drivers/${http.d.id}/deliveries/${assignedHttp}/status`, { status: "picked_up" })),
    );
    const pickedUpWs = await step(ws, () => over(ws, { type: "delivery_status", deliveryId: assignedWs, status: "picked_up" }));

    // Each step committed one decision, and the two paths committed the same one.
    expect(http.commits.map((c) => c.length)).toEqual([1, 1, 1, 1]);
    expect(normalise(ws.commits.flat())).toEqual(normalise(http.commits.flat()));
    // Accept and reject answer exactly what the HTTP routes answer; location and status say the outcome.
    expect(normalise(answers.ws.slice(1))).toEqual(normalise(answers.http.slice(1)));
    expect(answers.ws[0]).toEqual({ applied: true });
    expect(answers.http[0]).toMatchObject({ applied: true });
    expect(pickedUpWs).toEqual({ deliveryId: assignedWs, status: "picked_up" });
    expect(pickedUp).toMatchObject({ id: assignedHttp, status: "picked_up" });
  });
});
