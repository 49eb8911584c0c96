/**
 * The zone object's decision lines: one JSON line per decision with the request's traceId, so a
 * delivery can be followed from the Worker's request line to the zone's decision; only names,
 * ids and counts (never the command's input); a location tick writes no row; decisions of the
 * alarm carry no trace; LOG_LEVEL=error keeps them quiet.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import worker from "../../src/index";
import { apiRequest, newOrg } from "../helpers/api";
import { ok, runAlarmNow, zoneObject } from "../helpers/zone-object";

type Org = Awaited<ReturnType<typeof newOrg>>;

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
/** The test config logs failures only; these requests log every line. */
const call = (...request: Parameters<typeof apiRequest>) => worker.fetch(apiRequest(...request), { ...env, LOG_LEVEL: "info" }, ctx);

const QUIET = { escalationSeconds: [86_400, 172_800, 259_200] };

async function zoneLogLevel(o: Org, level: string): Promise<void> {
  await runInDurableObject(zoneObject(o), (zone: ZoneDispatcher) => {
    zone.logLevel = level;
  });
}

/** The JSON lines logged (request and decision lines) while `run` ran. */
async function logLines(run: () => unknown): Promise<Record<string, any>[]> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  await run();
  const lines = log.mock.calls.map(([line]) => String(line)).filter((line) => line.startsWith('{"level"'));
  log.mockRestore();
  return lines.map((line) => JSON.parse(line));
}

const trace = (id: string) => `00-${id}-00f067aa0ba902b7-01`;

afterEach(() => vi.restoreAllMocks());

describe("decision logs", () => {
  it("follow a delivery by traceId from the request line to the zone's decision line, with counts and no input", async () => {
    const o = await newOrg(QUIET);
    await zoneLogLevel(o, "info");
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const body = { sellerOrderId: "ORD-SECRET-77", storeName: "Hidden Store", pickup: { lat: 12.96, lon: 77.61 }, dropoff: { lat: 12.98, lon: 77.63 }, customer: { name: "Asha Rao", phone: "+919811112222" } };
    let delivery: any;
    const lines = await logLines(async () => {
      delivery = await ok(call("POST", "/deliveries", `Bearer ${o.service.token}`, body, { traceparent: trace(traceId) }), 201);
    });
    const request = lines.find((l) => l.msg === "request");
    const decision = lines.find((l) => l.msg === "decision");
    expect(request).toMatchObject({ traceId, route: "/v2/deliveries", status: 201, orgId: o.org });
    expect(decision).toEqual({
      level: "info",
      msg: "decision",
      command: "createDelivery",
      orgId: o.org,
      zoneId: o.zone.id,
      traceId,
      outcome: "committed",
      durationMs: expect.any(Number),
      rows: expect.any(Number),
      events: expect.any(Number),
    });
    expect(decision!.rows).toBeGreaterThan(0);
    expect(decision!.events).toBeGreaterThan(0);
    const text = JSON.stringify(lines);
    for (const secret of [o.service.token, "9811112222", "Asha Rao", "ORD-SECRET-77", "Hidden Store", delivery.trackingUrl]) expect(text).not.toContain(secret);
  });

  it("a location tick writes no row; a refusal says so; the alarm's decisions have no trace; LOG_LEVEL=error keeps them quiet", async () => {
    const o = await newOrg(QUIET);
    const d = await o.addDriver({ phone: "+919833334444" });
    await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
    await zoneLogLevel(o, "info");
    const tickTrace = "0af7651916cd43dd8448eb211c80319c";
    const lines = await logLines(async () => {
      await ok(call("POST", `/drivers/${d.id}/location`, `Bearer ${d.client.token}`, { lat: 12.951, lon: 77.601 }, { traceparent: trace(tickTrace) }));
      await call("POST", `/drivers/${d.id}/offers/${crypto.randomUUID()}/accept`, `Bearer ${d.client.token}`, {});
      await runAlarmNow(o);
    });
    // Other tests' zones may log their alarms meanwhile: only this org's lines count.
    const decisions = lines.filter((l) => l.msg === "decision" && l.orgId === o.org);
    expect(decisions.find((l) => l.command === "recordLocation")).toMatchObject({ traceId: tickTrace, outcome: "committed", rows: 0, events: 0 });
    expect(decisions.find((l) => l.command === "acceptOffer")).toMatchObject({ outcome: "refused", rows: 0, level: "info", traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(decisions.find((l) => l.command === "fireDueTimers")).toMatchObject({ traceId: null, outcome: "committed" });
    expect(JSON.stringify(lines)).not.toContain("9833334444");

    await zoneLogLevel(o, "error");
    const quiet = await logLines(() => call("POST", `/drivers/${d.id}/location`, `Bearer ${d.client.token}`, { lat: 12.952, lon: 77.602 }));
    expect(quiet.filter((l) => l.msg === "decision" && l.orgId === o.org)).toEqual([]);
  });
});
