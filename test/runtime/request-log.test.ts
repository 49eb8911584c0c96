/**
 * Structured request logs and W3C trace context: one JSON line per request with the ids to
 * follow it by, the route pattern (never the path's values or query), and nothing secret.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { apiRequest, newOrg } from "../helpers/api";

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
/** The test config logs failures only; these tests look at every line. */
const call = (...request: Parameters<typeof apiRequest>) => worker.fetch(apiRequest(...request), { ...env, LOG_LEVEL: "info" }, ctx);

/** The request lines logged while `run` ran. */
async function requestLines(run: () => unknown): Promise<Record<string, unknown>[]> {
  const log = vi.spyOn(console, "log");
  await run();
  const lines = log.mock.calls.map(([line]) => String(line)).filter((line) => line.startsWith('{"level"'));
  log.mockRestore();
  return lines.map((line) => JSON.parse(line)).filter((line) => line.msg === "request");
}

afterEach(() => vi.restoreAllMocks());

describe("request logs and tracing", () => {
  it("log one line per request: ids, org, role, method, route pattern, status, duration; no token, phone or query", async () => {
    const o = await newOrg();
    const driver = await o.addDriver({ phone: "+919812345678" });
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let answer: Response | undefined;
    const lines = await requestLines(async () => {
      answer = await call("GET", `/drivers/${driver.id}?x=secret-query`, `Bearer ${o.admin.token}`, undefined, { traceparent, "X-Request-Id": "req-log-1" });
    });
    expect(answer!.status).toBe(200);
    expect(lines).toEqual([
      {
        level: "info",
        msg: "request",
        requestId: "req-log-1",
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        orgId: o.org,
        role: "admin",
        method: "GET",
        route: "/v2/drivers/:id",
        status: 200,
        durationMs: expect.any(Number),
      },
    ]);
    const text = JSON.stringify(lines);
    for (const secret of [o.admin.token, "secret-query", "9812345678", driver.id]) expect(text).not.toContain(secret);
    // The trace goes on with this service's span.
    expect(answer!.headers.get("traceparent")).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  });

  it("start a trace when none (or a malformed one) comes, and log unauthenticated requests without org", async () => {
    let answer: Response | undefined;
    const lines = await requestLines(async () => {
      answer = await call("GET", "/admin/zones", undefined, undefined, { traceparent: "not-a-trace" });
    });
    const traceId = answer!.headers.get("traceparent")?.split("-")[1];
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(lines).toEqual([expect.objectContaining({ level: "info", status: 401, traceId, method: "GET" })]);
    expect(lines[0]).not.toHaveProperty("orgId");
  });

  it("LOG_LEVEL=error keeps only failed requests", async () => {
    const lines = await requestLines(() => worker.fetch(apiRequest("GET", "/health"), { ...env, LOG_LEVEL: "error" }, ctx));
    expect(lines).toEqual([]);
    const logged = await requestLines(() => call("GET", "/health"));
    expect(logged).toEqual([expect.objectContaining({ route: "/v2/health", status: 200 })]);
  });
});
