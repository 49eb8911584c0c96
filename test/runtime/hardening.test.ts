/**
 * Regression tests of the outside probe's findings (docs/security.md), each named after its
 * finding. Each failed before its fix.
 */
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
import { runInDurableObject } from "cloudflare:test";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import { sha256Hex } from "../../src/domain/hex";
import { BENGALURU, apiRequest, newOrg, send } from "../helpers/api";
import { closeOpenSockets, customerSocketPath, openSocket, opsSocketPath, upgrade } from "../helpers/sockets";
import { ok, zoneObject } from "../helpers/zone-object";
import { expectError } from "../helpers/expect-error";
import { startInOneRateWindow } from "../helpers/rate-window";
import { TEST_SECRET, mintToken } from "../helpers/tokens";

const DAY = 86_400;

describe("finding 9: no token lifetime cap", () => {
  const org = crypto.randomUUID();
  const bearer = (token: string) => `Bearer ${token}`;

  it("refuses a token whose exp is further out than JWT_MAX_TTL_SECONDS (30 days by default)", async () => {
    const token = await mintToken({ role: "admin", org, expSeconds: 31 * DAY });
    const payload = await expectError(await send("GET", "/admin/unassigned-orders", bearer(token)), 401);
    expect(payload.message).toMatch(/Unauthorized: token lifetime exceeds/);
  });

  it("refuses a token issued more than 30 s in the future", async () => {
    const token = await mintToken({ role: "admin", org, iatSeconds: 365 * DAY });
    const payload = await expectError(await send("GET", "/admin/unassigned-orders", bearer(token)), 401);
    expect(payload.message).toMatch(/Unauthorized: token issued in the future/);
  });

  it("accepts a 30-day token and one issued within the skew", async () => {
    for (const token of [await mintToken({ role: "admin", org, expSeconds: 30 * DAY - 60 }), await mintToken({ role: "admin", org, iatSeconds: 20 })]) {
      expect((await send("GET", "/admin/unassigned-orders", bearer(token))).status).toBe(200);
    }
  });
});

describe("finding 4: rate limits shared across orgs", () => {
  it("a caller's manual-offer budget is its org's: the same sub in another org starts afresh", async () => {
    const sub = crypto.randomUUID();
    const [orgA, orgB] = [crypto.randomUUID(), crypto.randomUUID()];
    const offer = async (org: string) =>
      send("POST", `/deliveries/${crypto.randomUUID()}/offers`, `Bearer ${await mintToken({ role: "ops", org, sub })}`, {
        driverId: crypto.randomUUID(),
      });
    const statuses: number[] = [];
    await startInOneRateWindow(5000);
    for (let i = 0; i < 11; i++) statuses.push((await offer(orgA)).status);
    // Ten manual offers a minute (the deliveries do not exist: 404), then 429.
    expect(statuses.slice(0, 10).every((s) => s === 404)).toBe(true);
    expect(statuses[10]).toBe(429);
    expect((await offer(orgB)).status).toBe(404);
  });
});

describe("finding 3: tracking rate limit keyed by the attacker's token", () => {
  it("made-up tokens for one order from one address share one budget of 120 a minute", async () => {
    const orderId = `ORD-${crypto.randomUUID().slice(0, 8)}`;
    const read = () =>
      send("GET", `/orders/${orderId}/delivery-status?token=${crypto.randomUUID()}`, undefined, undefined, {
        "CF-Connecting-IP": "203.0.113.7",
      });
    const statuses: number[] = [];
    await startInOneRateWindow(10_000);
    for (let i = 0; i < 121; i++) statuses.push((await read()).status);
    expect(statuses.slice(0, 120).every((s) => s === 401)).toBe(true);
    expect(statuses[120]).toBe(429);
    // Another client address reading the same order is counted on its own.
    const other = await send("GET", `/orders/${orderId}/delivery-status?token=${crypto.randomUUID()}`, undefined, undefined, {
      "CF-Connecting-IP": "198.51.100.9",
    });
    expect(other.status).toBe(401);
  });
});

describe("finding 1: production safeguards fail open", () => {
  const path = "/admin/unassigned-orders";
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  const callAs = async (environment: string | undefined) => {
    const token = await mintToken({ role: "admin", org: crypto.randomUUID() });
    return worker.fetch(apiRequest("GET", path, `Bearer ${token}`), { ...env, ENVIRONMENT: environment }, ctx);
  };

  it("any environment but development or test refuses the public dev secret with a 500", async () => {
    for (const environment of ["Production", "PRODUCTION", "staging", "prod", undefined]) {
      const res = await callAs(environment);
      const payload = await expectError(res, 500, `/v2${path}`);
      expect(payload.message, String(environment)).toBe("JWT secret is not configured");
    }
  });

  it("development and test, in any case, accept it", async () => {
    for (const environment of ["test", "Development"]) expect((await callAs(environment)).status, environment).toBe(200);
  });
});

describe("finding 2: body size checked after reading", () => {
  /** A chunked upload without Content-Length: `bytes` in 1 KiB chunks, then it never ends. */
  const neverEndingUpload = (bytes: number) => {
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= bytes) return new Promise<void>(() => {}); // a client that stops sending
        controller.enqueue(new Uint8Array(1024).fill(0x20));
        sent += 1024;
      },
    });
  };

  it("answers 413 as soon as byte 65,537 arrives, without waiting for the rest of the body", async () => {
    const token = await mintToken({ role: "ops", org: crypto.randomUUID() });
    const request = new Request("https://dispatch.test/v2/deliveries", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: neverEndingUpload(65 * 1024),
      duplex: "half",
    } as RequestInit);
    expect(request.headers.get("content-length")).toBeNull();
    const payload = await expectError(await exports.default.fetch(request), 413);
    expect(payload.message).toBe("Request body exceeds 65536 bytes");
  });

  it("still takes a chunked body of exactly 65,536 bytes", async () => {
    const token = await mintToken({ role: "ops", org: crypto.randomUUID() });
    const body = `{"sellerOrderId":"${" ".repeat(65_536 - 20)}"}`;
    expect(body.length).toBe(65_536);
    const stream = new Blob([body]).stream();
    const res = await exports.default.fetch(
      new Request("https://dispatch.test/v2/deliveries", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    // Read whole and validated: a 400 about the fields, not a 413.
    expect((await expectError(res, 400)).message).toMatch(/^Validation failed/);
  });
});

describe("finding 5: drivers receive the customer's tracking token", () => {
  it("release and status answers carry store, pickup, dropoff and the customer's first name, never the token, link or phone", async () => {
    const o = await newOrg({ escalationSeconds: [86_400, 172_800, 259_200] });
    const driver = await o.addDriver();
    await ok(driver.client.post(`/drivers/${driver.id}/availability/resume`));
    const takeNext = async () => {
      const delivery = await o.addDelivery({ customer: { name: "Asha  Rao", phone: "+919812345678" } });
      const { offers } = await ok(driver.client.get(`/drivers/${driver.id}/offers?status=PENDING`));
      await ok(driver.client.post(`/drivers/${driver.id}/offers/${offers[0].id}/accept`, {}));
      return delivery;
    };
    const released = await ok(driver.client.post(`/drivers/${driver.id}/deliveries/${(await takeNext()).id}/release`, { reason: "flat tyre" }));
    // The released delivery went to nobody else (one driver), so the driver can take another.
    await ok(o.ops.post(`/deliveries/${released.id}/cancel`, { reason: "test" }));
    const second = await takeNext();
    const pickedUp = await ok(driver.client.post(`/drivers/${driver.id}/deliveries/${second.id}/status`, { status: "picked_up" }));
    for (const [answer, delivery] of [
      [released, released],
      [pickedUp, second],
    ]) {
      const text = JSON.stringify(answer);
      expect(text).not.toContain(second.trackingToken);
      expect(text).not.toMatch(/trackingToken|trackingUrl|9812345678|phone/);
      expect(answer).toMatchObject({
        id: delivery.id,
        storeName: "Downtown Market",
        pickup: { lat: 12.96, lon: 77.61 },
        dropoff: { lat: 12.98, lon: 77.63 },
        customerFirstName: "Asha",
      });
    }
  });
});

describe("finding 7: tracking tokens in plaintext", () => {
  it("the zone's storage and D1 (idempotency answers included) hold the token's SHA-256 hash, never the token", async () => {
    const o = await newOrg();
    const create = (key: string) =>
      o.service.post("/deliveries", { sellerOrderId: `ORD-${key}`, storeName: "S", pickup: BENGALURU, dropoff: BENGALURU }, { "Idempotency-Key": key });
    const key = crypto.randomUUID();
    const delivery = await ok(create(key), 201);
    const replay = await create(key);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    // A replay still hands over the same link, derived again.
    expect(await ok(replay, 201)).toMatchObject({ trackingToken: delivery.trackingToken, trackingUrl: delivery.trackingUrl });
    // And ops reading the delivery later get it too.
    expect(await ok(o.ops.get(`/admin/deliveries/${delivery.id}`))).toMatchObject({ trackingToken: delivery.trackingToken });

    const hash = await sha256Hex(delivery.trackingToken);
    const zoneRows = await runInDurableObject(zoneObject(o), (_zone: ZoneDispatcher, state: DurableObjectState) => {
      const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'sqlite_%'").toArray();
      return tables.map(({ name }) => JSON.stringify(state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray())).join("\n");
    });
    expect(zoneRows).toContain(hash);
    expect(zoneRows).not.toContain(delivery.trackingToken);

    const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'").all<{ name: string }>();
    let d1Rows = "";
    for (const { name } of tables) d1Rows += JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
    expect(d1Rows).toContain(hash);
    expect(d1Rows).not.toContain(delivery.trackingToken);

    // The customer's token still opens the order.
    const status = await send("GET", `/orders/${delivery.orderId}/delivery-status?token=${delivery.trackingToken}`);
    expect(await ok(status)).toMatchObject({ deliveryId: delivery.id, trackingUrl: delivery.trackingUrl });
  });
});

describe("finding 10: no cap on sockets per caller", () => {
  afterEach(closeOpenSockets);

  it("a fourth ops socket of one token sub on one zone is a 429; another sub and a freed slot still connect", async () => {
    const o = await newOrg();
    const opened = [];
    for (let i = 0; i < 3; i++) opened.push(await openSocket(opsSocketPath(o.zone.id), { token: o.ops.token }));
    const refused = await upgrade(opsSocketPath(o.zone.id), { token: o.ops.token });
    expect((await expectError(refused, 429)).message).toMatch(/^Too many open sockets/);
    // The same role with another sub has its own three.
    const colleague = await mintToken({ role: "ops", org: o.org });
    opened.push(await openSocket(opsSocketPath(o.zone.id), { token: colleague }));
    // Closing one frees a slot for the first caller.
    opened[0]!.ws.close(1000, "done");
    await opened[0]!.waitForClose();
    opened.push(await openSocket(opsSocketPath(o.zone.id), { token: o.ops.token }));
  });

  it("a sixth customer socket of one order is a 429", async () => {
    const o = await newOrg();
    const delivery = await o.addDelivery();
    const path = customerSocketPath(delivery.orderId, delivery.trackingToken);
    for (let i = 0; i < 5; i++) await openSocket(path);
    expect((await expectError(await upgrade(path), 429)).message).toMatch(/^Too many open sockets/);
    // Another order's customer is not affected.
    const other = await o.addDelivery();
    await openSocket(customerSocketPath(other.orderId, other.trackingToken));
  });
});

describe("finding 11: a client close() without a code hangs before the socket ends", () => {
  it("the server completes the close handshake at once, answering 1000", async () => {
    const o = await newOrg();
    const socket = await openSocket(opsSocketPath(o.zone.id), { token: o.ops.token });
    socket.ws.close(); // no code: what browsers send by default
    // Without the server's answer the runtime gives up only after 10 s, with 1006.
    expect(await socket.waitForClose(3000)).toMatchObject({ code: 1000 });
  });
});

describe("key rotation: tokens with a kid are checked with that key of JWT_KEYS", () => {
  const path = "/admin/unassigned-orders";
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  const OLD = "rotation-key-2026-01-aaaaaaaaaaaaaaaa";
  const NEW = "rotation-key-2026-02-bbbbbbbbbbbbbbbb";
  const call = (token: string, overrides: Partial<typeof env>) =>
    worker.fetch(apiRequest("GET", path, `Bearer ${token}`), { ...env, ...overrides }, ctx);
  const org = crypto.randomUUID();
  const signed = (secret: string, kid?: string) => mintToken({ role: "admin", org, secret, kid });

  it("add a key, mint with it, drop the old one: each step accepts and refuses the right tokens", async () => {
    const [oldToken, newToken, plain] = [await signed(OLD, "2026-01"), await signed(NEW, "2026-02"), await signed(TEST_SECRET)];
    // Before: only the old key is known.
    const before = { JWT_KEYS: JSON.stringify({ "2026-01": OLD }) };
    expect((await call(oldToken, before)).status).toBe(200);
    expect((await expectError(await call(newToken, before), 401)).message).toBe("Unauthorized: unknown token key id");
    // During: both keys.
    const during = { JWT_KEYS: JSON.stringify({ "2026-01": OLD, "2026-02": NEW }) };
    for (const token of [oldToken, newToken, plain]) expect((await call(token, during)).status).toBe(200);
    // After: the old key is dropped; a token without kid still uses JWT_SECRET.
    const after = { JWT_KEYS: JSON.stringify({ "2026-02": NEW }) };
    expect((await expectError(await call(oldToken, after), 401)).message).toBe("Unauthorized: unknown token key id");
    expect((await call(newToken, after)).status).toBe(200);
    expect((await call(plain, after)).status).toBe(200);
  });

  it("a kid does not make another key's signature good, and inherited names are no key ids", async () => {
    const keys = { JWT_KEYS: JSON.stringify({ "2026-02": NEW }) };
    const wrong = await signed(TEST_SECRET, "2026-02");
    expect((await expectError(await call(wrong, keys), 401)).message).toBe("Unauthorized: invalid token signature");
    for (const kid of ["__proto__", "constructor", "toString"]) {
      const token = await signed("[object Object]", kid);
      expect((await expectError(await call(token, keys), 401)).message, kid).toBe("Unauthorized: unknown token key id");
    }
  });

  it("a JWT_KEYS that is not a JSON object of secrets, or holds the dev secret in production, refuses to serve", async () => {
    const token = await signed(TEST_SECRET);
    for (const JWT_KEYS of ["not json", "[]", JSON.stringify({ k: 1 }), JSON.stringify({ k: "" })]) {
      expect((await expectError(await call(token, { JWT_KEYS }), 500)).message, JWT_KEYS).toBe("JWT keys are not configured correctly");
    }
    const prodToken = await signed(NEW, "k");
    const devInRing = { ENVIRONMENT: "production", JWT_SECRET: "a-real-production-secret-0123456789", JWT_KEYS: JSON.stringify({ k: NEW, dev: TEST_SECRET }) };
    expect((await expectError(await call(prodToken, devInRing), 500)).message).toBe("JWT secret is not configured");
  });
});
