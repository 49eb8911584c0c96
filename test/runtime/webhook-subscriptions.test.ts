/**
 * Delivery webhook subscriptions over HTTP (docs/api.md "Webhooks", docs/api-notes.md "Delivery
 * webhooks"): admin only, at most 10 per org, the secret is write-only, production refuses
 * targets that would reach private networks, and orgs never see each other's subscriptions.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DeliveryEventType } from "../../src/contracts/delivery-webhooks";
import worker from "../../src/index";
import { apiRequest, newOrg, send } from "../helpers/api";
import { expectError, expectValidationError, isoMs, uuidPattern } from "../helpers/expect-error";
import { mintToken } from "../helpers/tokens";
import { ok } from "../helpers/zone-object";

const SECRET = "a-subscription-secret-of-enough-length";
const HOOK = "https://orders.example.com/hooks/dispatch";
const BASE = "/admin/webhooks/subscriptions";

describe("delivery webhook subscriptions", () => {
  it("creates with every event by default, never shows the secret, reads, lists, patches and deletes", async () => {
    const o = await newOrg();
    const res = await o.admin.post(BASE, { url: HOOK, secret: SECRET });
    const text = await res.text();
    expect(res.status).toBe(201);
    expect(text).not.toContain(SECRET);
    const created = JSON.parse(text);
    expect(created).toEqual({
      id: expect.stringMatching(uuidPattern),
      url: HOOK,
      events: DeliveryEventType.options,
      enabled: true,
      disabledReason: null,
      secretSet: true,
      consecutiveFailures: 0,
      createdAt: expect.stringMatching(isoMs),
      updatedAt: expect.stringMatching(isoMs),
    });
    expect(await ok(o.admin.get(`${BASE}/${created.id}`))).toEqual(created);
    expect(await ok(o.admin.get(BASE))).toEqual({ subscriptions: [created] });

    const patched = await o.admin.patch(`${BASE}/${created.id}`, { events: ["delivery.delivered"], secret: `${SECRET}-rotated`, enabled: false });
    const patchedText = await patched.text();
    expect(patched.status).toBe(200);
    expect(patchedText).not.toContain(SECRET);
    expect(JSON.parse(patchedText)).toMatchObject({ id: created.id, url: HOOK, events: ["delivery.delivered"], enabled: false, secretSet: true });

    expect((await o.admin.delete(`${BASE}/${created.id}`)).status).toBe(204);
    await expectError(await o.admin.get(`${BASE}/${created.id}`), 404);
    await expectError(await o.admin.delete(`${BASE}/${created.id}`), 404);
    expect(await ok(o.admin.get(BASE))).toEqual({ subscriptions: [] });
  });

  it("allows 10 per org: the 11th is a 409, another org is not affected", async () => {
    const o = await newOrg();
    const other = await newOrg();
    const created = await Promise.all(Array.from({ length: 10 }, (_, i) => o.admin.post(BASE, { url: `${HOOK}/${i}`, secret: SECRET })));
    expect(created.map((r) => r.status)).toEqual(Array(10).fill(201));
    await expectError(await o.admin.post(BASE, { url: HOOK, secret: SECRET }), 409);
    expect((await ok(o.admin.get(BASE))).subscriptions).toHaveLength(10);
    await ok(other.admin.post(BASE, { url: HOOK, secret: SECRET }), 201);
  });

  it("never lets concurrent creates pass the limit", async () => {
    const o = await newOrg();
    const answers = await Promise.all(Array.from({ length: 14 }, (_, i) => o.admin.post(BASE, { url: `${HOOK}/${i}`, secret: SECRET })));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(10);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(4);
  });

  it("rejects a bad body or id with details and stores nothing", async () => {
    const o = await newOrg();
    const cases: [unknown, string][] = [
      [{ secret: SECRET }, "body.url"],
      [{ url: HOOK }, "body.secret"],
      [{ url: "not a url", secret: SECRET }, "body.url"],
      [{ url: "ftp://orders.example.com/hook", secret: SECRET }, "body.url"],
      [{ url: "https://user:pass@orders.example.com/hook", secret: SECRET }, "body.url"],
      [{ url: `${HOOK}/${"x".repeat(2048)}`, secret: SECRET }, "body.url"],
      [{ url: HOOK, secret: "short" }, "body.secret"],
      [{ url: HOOK, secret: SECRET, events: [] }, "body.events"],
      [{ url: HOOK, secret: SECRET, events: ["delivery.teleported"] }, "body.events.0"],
      [{ url: HOOK, secret: SECRET, events: ["delivery.created", "delivery.created"] }, "body.events"],
      [{ url: HOOK, secret: SECRET, enabled: "yes" }, "body.enabled"],
      [{ url: HOOK, secret: SECRET, secretSet: true }, "body.secretSet"],
    ];
    for (const [input, path] of cases) await expectValidationError(await o.admin.post(BASE, input), path);
    expect(await ok(o.admin.get(BASE))).toEqual({ subscriptions: [] });

    const { id } = await ok(o.admin.post(BASE, { url: HOOK, secret: SECRET }), 201);
    await expectValidationError(await o.admin.patch(`${BASE}/${id}`, { url: "ftp://x.example.com" }), "body.url");
    await expectValidationError(await o.admin.patch(`${BASE}/${id}`, { disabledReason: null }), "body.disabledReason");
    await expectValidationError(await o.admin.get(`${BASE}/not-a-uuid`), "params.id");
    await expectValidationError(await o.admin.get(`${BASE}/${id}/dead-letters?limit=0`), "query.limit");
    await expectValidationError(await o.admin.post(`${BASE}/${id}/dead-letters/not-a-uuid/retry`), "params.deadLetterId");
  });

  it("is for admins only; each org sees only its own subscriptions", async () => {
    const o = await newOrg();
    const other = await newOrg();
    const { id } = await ok(o.admin.post(BASE, { url: HOOK, secret: SECRET }), 201);
    const driver = await o.addDriver();
    const letter = crypto.randomUUID();
    for (const caller of [o.ops, o.service, driver.client]) {
      await expectError(await caller.post(BASE, { url: HOOK, secret: SECRET }), 403);
      await expectError(await caller.get(BASE), 403);
      await expectError(await caller.get(`${BASE}/${id}`), 403);
      await expectError(await caller.patch(`${BASE}/${id}`, { enabled: false }), 403);
      await expectError(await caller.delete(`${BASE}/${id}`), 403);
      await expectError(await caller.post(`${BASE}/${id}/test`), 403);
      await expectError(await caller.get(`${BASE}/${id}/dead-letters`), 403);
      await expectError(await caller.post(`${BASE}/${id}/dead-letters/${letter}/retry`), 403);
    }
    await expectError(await send("GET", BASE), 401);
    // Another org's id is a 404, exactly as a missing one.
    await expectError(await other.admin.get(`${BASE}/${id}`), 404);
    await expectError(await other.admin.patch(`${BASE}/${id}`, { enabled: false }), 404);
    await expectError(await other.admin.delete(`${BASE}/${id}`), 404);
    await expectError(await other.admin.post(`${BASE}/${id}/test`), 404);
    await expectError(await other.admin.get(`${BASE}/${id}/dead-letters`), 404);
    expect(await ok(other.admin.get(BASE))).toEqual({ subscriptions: [] });
    expect((await ok(o.admin.get(`${BASE}/${id}`))).enabled).toBe(true);
  });

  it("in production refuses plain http and private, loopback and link-local targets, on create and on patch", async () => {
    const secret = "a-real-production-secret-of-enough-length";
    const org = crypto.randomUUID();
    const token = await mintToken({ role: "admin", org, secret });
    const production = { ...env, ENVIRONMENT: "production", JWT_SECRET: secret };
    const call = (method: string, path: string, body: unknown) =>
      worker.fetch(apiRequest(method, path, `Bearer ${token}`, body), production, {
        waitUntil() {},
        passThroughOnException() {},
        props: {},
      } as unknown as ExecutionContext);
    const refused = [
      "http://orders.example.com/hook",
      "https://127.0.0.1/hook",
      "https://localhost/hook",
      "https://10.1.2.3/hook",
      "https://192.168.0.10/hook",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/hook",
      "https://[::ffff:127.0.0.1]/hook",
      "https://orders.internal/hook",
    ];
    for (const url of refused) await expectValidationError(await call("POST", BASE, { url, secret: SECRET }), "body.url");
    const created = await call("POST", BASE, { url: HOOK, secret: SECRET });
    expect(created.status).toBe(201);
    const { id } = await created.json<{ id: string }>();
    for (const url of refused) await expectValidationError(await call("PATCH", `${BASE}/${id}`, { url }), "body.url");
    const stored = await call("GET", `${BASE}/${id}`, undefined);
    expect((await stored.json<{ url: string }>()).url).toBe(HOOK);
  });

  it("a test send is signed with a timestamp and answers the receiver's status", async () => {
    const o = await newOrg();
    const name = `test-send-${crypto.randomUUID()}`;
    const { id } = await ok(o.admin.post(BASE, { url: `${env.WEBHOOK_RECEIVER_URL}/hooks/${name}?fail=1`, secret: env.WEBHOOK_RECEIVER_SECRET }), 201);
    expect(await ok(o.admin.post(`${BASE}/${id}/test`))).toEqual({ eventId: expect.stringMatching(uuidPattern), delivered: false, status: 500, error: "HTTP 500" });
    const second = await ok(o.admin.post(`${BASE}/${id}/test`));
    expect(second).toMatchObject({ delivered: true, status: 204, error: null });
    const log = (await (await fetch(`${env.WEBHOOK_RECEIVER_URL}/log/${name}`)).json()) as { headers: Record<string, string>; body: string; signatureValid: boolean }[];
    expect(log).toHaveLength(2);
    const last = log[1]!;
    expect(last.signatureValid).toBe(true);
    expect(last.headers["x-dispatch-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(last.headers["x-dispatch-event"]).toBe("webhook.test");
    expect(last.headers["x-dispatch-delivery"]).toBe(second.eventId);
    expect(JSON.parse(last.body)).toMatchObject({ id: second.eventId, type: "webhook.test", data: { subscriptionId: id } });
    const unreachable = await ok(o.admin.post(BASE, { url: "http://127.0.0.1:9/down", secret: SECRET }), 201);
    expect(await ok(o.admin.post(`${BASE}/${unreachable.id}/test`))).toMatchObject({ delivered: false, status: null, error: expect.any(String) });
  });
});
