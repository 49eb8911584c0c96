import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { SignJWT } from "jose";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { Uuid } from "../../src/contracts/common";
import { conflict } from "../../src/domain/errors";
import { createApp } from "../../src/worker/app";
import type { AppEnv } from "../../src/worker/app-env";
import { trackingToken } from "../../src/worker/auth";
import type { Env } from "../../src/worker/env";
import { unauthorized } from "../../src/worker/http-error";
import { allow, selfOr } from "../../src/worker/middleware/authorize";
import { body, params, query } from "../../src/worker/validation";
import { startInOneRateWindow } from "../helpers/rate-window";
import { TEST_SECRET, mintToken, unsignedToken } from "../helpers/tokens";

/** How often each counted handler ran, per `?tag=` so tests do not see each other's calls. */
const runs = new Map<string, number>();
const countRun = (tag: string) => {
  const n = (runs.get(tag) ?? 0) + 1;
  runs.set(tag, n);
  return n;
};

const testRoutes = new Hono<AppEnv>()
  .post(
    "/admin/echo",
    body(z.strictObject({ name: z.string().min(1), count: z.number().int().optional() })),
    allow("admin"),
    (c) => c.json({ echoed: c.req.valid("json"), caller: c.get("caller") }, 201),
  )
  .get(
    "/things/:id",
    params(z.strictObject({ id: Uuid })),
    query(z.strictObject({ limit: z.coerce.number().int().min(1).max(50).optional() })),
    (c) => c.json({ id: c.req.valid("param").id, limit: c.req.valid("query").limit ?? null }),
  )
  .get("/drivers/:id", params(z.strictObject({ id: Uuid })), selfOr("id", "ops", "admin"), (c) =>
    c.json({ id: c.req.valid("param").id }),
  )
  .get("/boom", () => {
    throw new Error("connection to db-internal-7 failed with password hunter2");
  })
  .post("/assign", () => {
    throw conflict("delivery already assigned");
  })
  .post("/deliveries/:id/offers", body(z.strictObject({})), (c) => c.json({ offered: true }, 201))
  .post("/counted", body(z.strictObject({ value: z.number().optional() })), async (c) => {
    const tag = c.req.query("tag") ?? "";
    // Long enough for concurrent duplicates to overlap with this run.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return c.json({ run: countRun(tag), value: c.req.valid("json").value ?? null }, 201);
  })
  .post("/counted-raw", async (c) => {
    // Reads the body itself after idempotency hashed it: the cached body must still be there.
    const payload = await c.req.json();
    return c.json({ run: countRun(c.req.query("tag") ?? ""), payload }, 201);
  })
  .post("/flaky", (c) => {
    countRun(c.req.query("tag") ?? "");
    throw new Error("transient backend failure");
  })
  .get("/socket", () => {
    const [client, server] = Object.values(new WebSocketPair());
    server!.accept();
    return new Response(null, { status: 101, webSocket: client });
  })
  .get("/orders/:orderId/delivery-status", (c) => {
    const token = trackingToken(c);
    if (token === undefined) return c.json({ via: c.get("caller").role });
    if (token !== "good-tracking-token") throw unauthorized("invalid tracking token");
    return c.json({ via: "tracking-token" });
  });

const app = createApp(testRoutes);

const ORG = crypto.randomUUID();

type Init = RequestInit & { token?: string; json?: unknown };

function call(path: string, init: Init = {}, bindings: Env = env): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
  let requestBody = init.body;
  if (init.json !== undefined) {
    headers.set("Content-Type", "application/json");
    requestBody = JSON.stringify(init.json);
  }
  return Promise.resolve(
    app.fetch(new Request(`https://dispatch.test${path}`, { ...init, headers, body: requestBody }), bindings),
  );
}

const adminToken = (sub?: string) => mintToken({ role: "admin", org: ORG, sub });

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "x-xss-protection": "1; mode=block",
  "strict-transport-security": "max-age=63072000; includeSubDomains",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

function expectSecurityHeaders(res: Response) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), name).toBe(value);
  expect(res.headers.get("server")).toBeNull();
  expect(res.headers.get("x-powered-by")).toBeNull();
}

async function expectErrorBody(res: Response, status: number, path: string) {
  expect(res.status).toBe(status);
  const payload = (await res.json()) as Record<string, unknown>;
  expect(payload).toMatchObject({ statusCode: status, path });
  expect(typeof payload.error).toBe("string");
  expect(typeof payload.message).toBe("string");
  expect(new Date(payload.timestamp as string).toISOString()).toBe(payload.timestamp);
  return payload as { message: string; error: string; details?: { path: string; message: string }[] };
}

describe("health and headers", () => {
  it("answers health without auth, with every security header", async () => {
    const res = await call("/v2/health");
    expect(res.status).toBe(200);
    const payload = (await res.json()) as { status: string; time: string };
    expect(payload.status).toBe("ok");
    expect(new Date(payload.time).toISOString()).toBe(payload.time);
    expectSecurityHeaders(res);
  });

  it("puts security headers on errors and 404s too", async () => {
    expectSecurityHeaders(await call("/v2/things/x"));
    const missing = await call("/nowhere");
    await expectErrorBody(missing, 404, "/nowhere");
    expectSecurityHeaders(missing);
  });

  it("echoes a sane X-Request-Id and generates one otherwise", async () => {
    const echoed = await call("/v2/health", { headers: { "X-Request-Id": "client-req.42:a_b" } });
    expect(echoed.headers.get("x-request-id")).toBe("client-req.42:a_b");

    const generated = await call("/v2/health", { headers: { "X-Request-Id": "bad id<script>" } });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    const tooLong = await call("/v2/health", { headers: { "X-Request-Id": "a".repeat(129) } });
    expect(tooLong.headers.get("x-request-id")).not.toBe("a".repeat(129));
  });

  it("leaves a WebSocket upgrade (101) untouched", async () => {
    const res = await call("/v2/socket", { token: await adminToken(), headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(101);
    expect(res.webSocket).not.toBeNull();
    res.webSocket!.accept();
    res.webSocket!.close();
  });

  it("carries X-Request-Id on a 404 and on a 401", async () => {
    const notFound = await call("/elsewhere", { headers: { "X-Request-Id": "nf-1" } });
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get("x-request-id")).toBe("nf-1");

    const unauthorized = await call("/v2/things/x");
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("authentication", () => {
  const path = `/v2/things/${crypto.randomUUID()}`;
  const secondsAgo = (s: number) => -s;

  const rejected: [string, () => Promise<Init>][] = [
    ["no token", async () => ({})],
    ["a non-bearer Authorization header", async () => ({ headers: { Authorization: "Basic YWxhZGRpbjpvcGVu" } })],
    ["a garbage token", async () => ({ token: "not.a.jwt" })],
    ["a bad signature", async () => ({ token: await mintToken({ role: "admin", org: ORG, secret: "another-secret" }) })],
    ["alg none", async () => ({ token: unsignedToken({ role: "admin", org: ORG }) })],
    ["an HS512 token", async () => ({ token: await mintToken({ role: "admin", org: ORG, alg: "HS512" }) })],
    [
      "a token expired beyond the 30 s skew",
      async () => ({ token: await mintToken({ role: "admin", org: ORG, expSeconds: secondsAgo(45) }) }),
    ],
    ["a wrong audience", async () => ({ token: await mintToken({ role: "admin", org: ORG, aud: "other-api" }) })],
    ["a wrong issuer", async () => ({ token: await mintToken({ role: "admin", org: ORG, iss: "someone-else" }) })],
    ["a missing role", async () => ({ token: await mintToken({ role: "admin", org: ORG, omit: ["role"] }) })],
    ["a missing org", async () => ({ token: await mintToken({ role: "admin", org: ORG, omit: ["org"] }) })],
    ["a non-UUID sub", async () => ({ token: await mintToken({ role: "admin", org: ORG, sub: "user-1" }) })],
    ["a non-UUID org", async () => ({ token: await mintToken({ role: "admin", org: "acme" }) })],
    ["an unknown role", async () => ({ token: await mintToken({ role: "superuser", org: ORG }) })],
  ];

  it.each(rejected)("rejects %s with 401", async (_, init) => {
    const res = await call(path, await init());
    const payload = await expectErrorBody(res, 401, path);
    expect(payload.message).toContain("Unauthorized");
    expect(payload.error).toBe("Unauthorized");
  });

  it("accepts a token that expired within the 30 s skew", async () => {
    const token = await mintToken({ role: "admin", org: ORG, expSeconds: secondsAgo(10) });
    expect((await call(path, { token })).status).toBe(200);
  });

  it("rejects a token without exp", async () => {
    const token = await new SignJWT({ sub: crypto.randomUUID(), role: "admin", org: ORG })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer("dispatch")
      .setAudience("dispatch-api")
      .sign(new TextEncoder().encode(TEST_SECRET));
    const payload = await expectErrorBody(await call(path, { token }), 401, path);
    expect(payload.message).toContain("Unauthorized");
  });

  it("accepts the browser WebSocket subprotocol form of the token", async () => {
    const token = await adminToken();
    const res = await call(path, { headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": `dispatch.v2, bearer.${token}` } });
    expect(res.status).toBe(200);
  });

  it("answers 500 with the secret message in production with the dev secret, or none", async () => {
    const token = await adminToken();
    for (const bindings of [
      { ...env, ENVIRONMENT: "production" },
      { ...env, ENVIRONMENT: "production", JWT_SECRET: undefined },
    ]) {
      const res = await call(path, { token }, bindings);
      const payload = await expectErrorBody(res, 500, path);
      expect(payload.message).toBe("JWT secret is not configured");
      expectSecurityHeaders(res);
    }
  });

  it("serves production once a real secret is set", async () => {
    const secret = "a-real-production-secret-of-enough-length";
    const token = await mintToken({ role: "admin", org: ORG, secret });
    const res = await call(path, { token }, { ...env, ENVIRONMENT: "production", JWT_SECRET: secret });
    expect(res.status).toBe(200);
  });

  it("lets tracking-token reads through without a JWT; the route checks the token", async () => {
    const base = "/v2/orders/order-1/delivery-status";
    const ok = await call(`${base}?token=good-tracking-token`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ via: "tracking-token" });

    const wrong = await call(`${base}?token=guess`);
    expect((await expectErrorBody(wrong, 401, base)).message).toContain("Unauthorized");

    expect((await call(base)).status).toBe(401);
    // With an Authorization header the JWT decides, whatever the query says.
    const viaJwt = await call(`${base}?token=good-tracking-token`, { token: await mintToken({ role: "service", org: ORG }) });
    expect(await viaJwt.json()).toEqual({ via: "service" });
    // The bypass is only for the tracking routes.
    expect((await call(`/v2/things/${crypto.randomUUID()}?token=good-tracking-token`)).status).toBe(401);
  });
});

describe("authorization and validation", () => {
  it("answers 403 Forbidden for a role not allowed", async () => {
    const token = await mintToken({ role: "ops", org: ORG });
    const payload = await expectErrorBody(await call("/v2/admin/echo", { method: "POST", token, json: { name: "x" } }), 403, "/v2/admin/echo");
    expect(payload.message).toContain("Forbidden");
    expect(payload.error).toBe("Forbidden");
  });

  it("checks the body (400) before the role (403)", async () => {
    const token = await mintToken({ role: "driver", org: ORG });
    const res = await call("/v2/admin/echo", { method: "POST", token, json: { name: 42 } });
    const payload = await expectErrorBody(res, 400, "/v2/admin/echo");
    expect(payload.message).toMatch(/^Validation failed/);
    expect(payload.details?.[0]?.path).toBe("body.name");
  });

  it("lets a driver read itself only; ops and admin read anyone", async () => {
    const driverId = crypto.randomUUID();
    const driver = await mintToken({ role: "driver", org: ORG, sub: driverId });
    expect((await call(`/v2/drivers/${driverId}`, { token: driver })).status).toBe(200);
    const otherPath = `/v2/drivers/${crypto.randomUUID()}`;
    const other = await call(otherPath, { token: driver });
    expect((await expectErrorBody(other, 403, otherPath)).message).toContain("Forbidden");
    expect((await call(`/v2/drivers/${driverId}`, { token: await mintToken({ role: "ops", org: ORG }) })).status).toBe(200);
    expect((await call(`/v2/drivers/${driverId}`, { token: await mintToken({ role: "service", org: ORG }) })).status).toBe(403);
  });

  it("echoes a valid body to an admin", async () => {
    const sub = crypto.randomUUID();
    const res = await call("/v2/admin/echo", { method: "POST", token: await adminToken(sub), json: { name: "zone", count: 2 } });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ echoed: { name: "zone", count: 2 }, caller: { sub, role: "admin", org: ORG } });
  });

  it("rejects an unknown body field with its path", async () => {
    const res = await call("/v2/admin/echo", { method: "POST", token: await adminToken(), json: { name: "x", surprise: true } });
    const payload = await expectErrorBody(res, 400, "/v2/admin/echo");
    expect(payload.message).toMatch(/^Validation failed/);
    expect(payload.details).toContainEqual({ path: "body.surprise", message: "unknown field" });
  });

  it("rejects invalid JSON with 400", async () => {
    const res = await call("/v2/admin/echo", {
      method: "POST",
      token: await adminToken(),
      headers: { "Content-Type": "application/json" },
      body: '{"name": "x",',
    });
    expect((await expectErrorBody(res, 400, "/v2/admin/echo")).message).toBe("Validation failed: body is not valid JSON");
  });

  it("rejects a non-JSON content type with 415 and accepts a charset parameter", async () => {
    const token = await adminToken();
    const text = await call("/v2/admin/echo", { method: "POST", token, headers: { "Content-Type": "text/plain" }, body: '{"name":"x"}' });
    expect((await expectErrorBody(text, 415, "/v2/admin/echo")).error).toBe("Unsupported Media Type");
    const charset = await call("/v2/admin/echo", {
      method: "POST",
      token,
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body: '{"name":"x"}',
    });
    expect(charset.status).toBe(201);
  });

  it("rejects a 70 KB body with 413", async () => {
    const res = await call("/v2/admin/echo", { method: "POST", token: await adminToken(), json: { name: "x".repeat(70 * 1024) } });
    expect((await expectErrorBody(res, 413, "/v2/admin/echo")).error).toBe("Payload Too Large");
  });

  it("takes an empty POST body without Content-Type as {}", async () => {
    const res = await call(`/v2/counted?tag=${crypto.randomUUID()}`, { method: "POST", token: await adminToken() });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ value: null });
  });

  it("validates params and coerces query strings; unknown query keys are 400", async () => {
    const token = await adminToken();
    const id = crypto.randomUUID();
    expect(await (await call(`/v2/things/${id}?limit=7`, { token })).json()).toEqual({ id, limit: 7 });

    const badId = await expectErrorBody(await call("/v2/things/not-a-uuid", { token }), 400, "/v2/things/not-a-uuid");
    expect(badId.details?.[0]?.path).toBe("params.id");

    const badLimit = await expectErrorBody(await call(`/v2/things/${id}?limit=500`, { token }), 400, `/v2/things/${id}`);
    expect(badLimit.details?.[0]?.path).toBe("query.limit");

    const unknown = await expectErrorBody(await call(`/v2/things/${id}?sort=asc`, { token }), 400, `/v2/things/${id}`);
    expect(unknown.details).toContainEqual({ path: "query.sort", message: "unknown field" });
  });
});

describe("errors", () => {
  it("hides internals of an unexpected failure behind a generic 500", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await call("/v2/boom", { token: await adminToken() });
    const text = await res.clone().text();
    const payload = await expectErrorBody(res, 500, "/v2/boom");
    expect(payload.error).toBe("Internal Server Error");
    expect(text).not.toMatch(/hunter2|db-internal|stack|Error:|\.ts/);
    expect(logged).toHaveBeenCalled();
    logged.mockRestore();
  });

  it("maps a DomainError conflict to 409", async () => {
    const payload = await expectErrorBody(await call("/v2/assign", { method: "POST", token: await adminToken() }), 409, "/v2/assign");
    expect(payload).toMatchObject({ message: "delivery already assigned", error: "Conflict" });
  });
});

describe("rate limits", () => {
  it("limits manual offers per caller with 429 and Retry-After", async () => {
    const delivery = crypto.randomUUID();
    const path = `/v2/deliveries/${delivery}/offers`;
    const token = await mintToken({ role: "ops", org: ORG });
    const answers = [];
    await startInOneRateWindow(5000);
    for (let i = 0; i < 12; i++) answers.push(await call(path, { method: "POST", token }));
    const limited = answers.filter((res) => res.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.filter((res) => res.status === 201).length).toBeLessThanOrEqual(10);
    for (const res of limited) {
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      await expectErrorBody(res, 429, path);
      expectSecurityHeaders(res);
    }

    const someoneElse = await call(path, { method: "POST", token: await mintToken({ role: "ops", org: ORG }) });
    expect(someoneElse.status).toBe(201);
  });
});

describe("idempotency", () => {
  const post = (path: string, token: string, key: string, json: unknown) =>
    call(path, { method: "POST", token, json, headers: { "Idempotency-Key": key } });

  it("replays the first answer for the same key and body; the handler runs once", async () => {
    const tag = crypto.randomUUID();
    const path = `/v2/counted?tag=${tag}`;
    const token = await adminToken();
    const key = crypto.randomUUID();

    const first = await post(path, token, key, { value: 1 });
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const firstBody = await first.text();

    const again = await post(path, token, key, { value: 1 });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("content-type")).toContain("application/json");
    expect(await again.text()).toBe(firstBody);
    expectSecurityHeaders(again);
    expect(runs.get(tag)).toBe(1);
  });

  it("answers 422 for the same key with a different body", async () => {
    const path = `/v2/counted?tag=${crypto.randomUUID()}`;
    const token = await adminToken();
    const key = crypto.randomUUID();
    expect((await post(path, token, key, { value: 1 })).status).toBe(201);
    const reused = await post(path, token, key, { value: 2 });
    expect((await expectErrorBody(reused, 422, "/v2/counted")).message).toBe("Idempotency-Key reused with a different request");
  });

  it("keeps callers apart: the same key from two callers runs twice", async () => {
    const tag = crypto.randomUUID();
    const path = `/v2/counted?tag=${tag}`;
    const key = "shared-key-1";
    expect((await post(path, await adminToken(), key, { value: 1 })).headers.get("idempotent-replayed")).toBeNull();
    expect((await post(path, await adminToken(), key, { value: 1 })).headers.get("idempotent-replayed")).toBeNull();
    expect(runs.get(tag)).toBe(2);
  });

  it("runs the handler exactly once for concurrent duplicates", async () => {
    const tag = crypto.randomUUID();
    const path = `/v2/counted?tag=${tag}`;
    const token = await adminToken();
    const key = crypto.randomUUID();
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(path, token, key, { value: 3 })));
    expect(runs.get(tag)).toBe(1);
    const statuses = answers.map((res) => res.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    for (const res of answers.filter((r) => r.status === 409)) {
      expect((await expectErrorBody(res, 409, "/v2/counted")).message).toBe("A request with this Idempotency-Key is in progress");
    }
    // Once settled, a duplicate is a replay.
    const later = await post(path, token, key, { value: 3 });
    expect(later.status).toBe(201);
    expect(later.headers.get("idempotent-replayed")).toBe("true");
    expect(runs.get(tag)).toBe(1);
  });

  it("leaves the body readable for handlers after fingerprinting", async () => {
    const res = await post(`/v2/counted-raw?tag=${crypto.randomUUID()}`, await adminToken(), crypto.randomUUID(), { deep: [1, 2] });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ payload: { deep: [1, 2] } });
  });

  it("replays a client error", async () => {
    const token = await adminToken();
    const key = crypto.randomUUID();
    const bad = await post("/v2/admin/echo", token, key, { name: 1 });
    expect(bad.status).toBe(400);
    const replay = await post("/v2/admin/echo", token, key, { name: 1 });
    expect(replay.status).toBe(400);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.text()).toBe(await bad.text());
  });

  it("frees the key after a 5xx so a retry runs again", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const tag = crypto.randomUUID();
    const token = await adminToken();
    const key = crypto.randomUUID();
    expect((await post(`/v2/flaky?tag=${tag}`, token, key, {})).status).toBe(500);
    const retry = await post(`/v2/flaky?tag=${tag}`, token, key, {});
    expect(retry.status).toBe(500);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(runs.get(tag)).toBe(2);
    logged.mockRestore();
  });

  it("rejects a malformed Idempotency-Key with 400", async () => {
    const res = await post(`/v2/counted?tag=x`, await adminToken(), "x".repeat(256), {});
    expect((await expectErrorBody(res, 400, "/v2/counted")).message).toMatch(/^Validation failed/);
  });
});
