/**
 * The org's ops webhook settings and dead letters over HTTP (docs/api-notes.md "Escalation and ops",
 * docs/api-notes.md "Ops webhook"): the secret is write-only, a URL needs a secret, production
 * refuses targets that would let the Worker reach private networks, and orgs never see each
 * other's settings or dead letters.
 */
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { webhookDeadLetters } from "../../src/db/d1-schema";
import worker from "../../src/index";
import { apiRequest, client, newOrg, send } from "../helpers/api";
import { expectError, expectValidationError, isoMs } from "../helpers/expect-error";
import { ok } from "../helpers/zone-object";
import { mintToken } from "../helpers/tokens";

const SECRET = "a-webhook-secret-of-enough-length";
const HOOK = "https://ops.example.com/hooks/dispatch";

const settingsOf = async (o: { admin: { get(path: string): Promise<Response> } }) => ok(o.admin.get("/admin/settings"));

/** A dead letter as a zone's sender writes it after the last failed attempt. */
async function insertDeadLetter(orgId: string, zoneId: string) {
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  await drizzle(env.DB)
    .insert(webhookDeadLetters)
    .values({
      id,
      orgId,
      zoneId,
      eventType: "unassigned_order_escalated",
      payload: { id, type: "unassigned_order_escalated", orgId, zoneId, occurredAt: now, severity: "warning", data: { level: 1 } },
      attempts: 8,
      lastError: "HTTP 500",
      firstAttemptAt: now,
      failedAt: now,
    });
  return id;
}

describe("GET / PATCH /v2/admin/settings", () => {
  it("starts empty, stores a URL with its secret, and never shows the secret", async () => {
    const o = await newOrg();
    expect(await settingsOf(o)).toEqual({ opsWebhookUrl: null, opsWebhookSecretSet: false, updatedAt: null });

    const res = await o.admin.patch("/admin/settings", { opsWebhookUrl: HOOK, opsWebhookSecret: SECRET });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain(SECRET);
    const saved = JSON.parse(text);
    expect(saved).toEqual({ opsWebhookUrl: HOOK, opsWebhookSecretSet: true, updatedAt: expect.stringMatching(isoMs) });
    expect(await settingsOf(o)).toEqual(saved);
  });

  it("patches one field and keeps the other; null clears", async () => {
    const o = await newOrg();
    await ok(o.admin.patch("/admin/settings", { opsWebhookUrl: HOOK, opsWebhookSecret: SECRET }));
    const moved = "https://ops.example.com/hooks/v2";
    expect(await ok(o.admin.patch("/admin/settings", { opsWebhookUrl: moved }))).toMatchObject({ opsWebhookUrl: moved, opsWebhookSecretSet: true });
    expect(await ok(o.admin.patch("/admin/settings", { opsWebhookSecret: `${SECRET}-rotated` }))).toMatchObject({ opsWebhookUrl: moved, opsWebhookSecretSet: true });
    expect(await ok(o.admin.patch("/admin/settings", { opsWebhookUrl: null }))).toMatchObject({ opsWebhookUrl: null, opsWebhookSecretSet: true });
    expect(await ok(o.admin.patch("/admin/settings", { opsWebhookSecret: null }))).toMatchObject({ opsWebhookUrl: null, opsWebhookSecretSet: false });
  });

  it("rejects a bad patch with details and stores nothing", async () => {
    const o = await newOrg();
    const cases: [unknown, string][] = [
      [{ opsWebhookUrl: HOOK }, "body.opsWebhookSecret"], // a URL needs a secret to sign with
      [{ opsWebhookUrl: "not a url", opsWebhookSecret: SECRET }, "body.opsWebhookUrl"],
      [{ opsWebhookUrl: "ftp://ops.example.com/hook", opsWebhookSecret: SECRET }, "body.opsWebhookUrl"],
      [{ opsWebhookUrl: "https://user:pass@ops.example.com/hook", opsWebhookSecret: SECRET }, "body.opsWebhookUrl"],
      [{ opsWebhookUrl: `https://ops.example.com/${"x".repeat(2048)}`, opsWebhookSecret: SECRET }, "body.opsWebhookUrl"],
      [{ opsWebhookUrl: HOOK, opsWebhookSecret: "short" }, "body.opsWebhookSecret"],
      [{ opsWebhookUrl: HOOK, opsWebhookSecret: "s".repeat(257) }, "body.opsWebhookSecret"],
      [{ opsWebhookUrl: 42, opsWebhookSecret: SECRET }, "body.opsWebhookUrl"],
      [{ opsWebhookUrl: HOOK, opsWebhookSecret: SECRET, extra: true }, "body.extra"],
    ];
    for (const [patch, path] of cases) {
      await expectValidationError(await o.admin.patch("/admin/settings", patch), path);
    }
    const raw = await o.admin.put("/admin/settings", {});
    expect(raw.status).toBe(404);
    expect(await settingsOf(o)).toEqual({ opsWebhookUrl: null, opsWebhookSecretSet: false, updatedAt: null });
  });

  it("in production refuses plain http and private, loopback and link-local targets", async () => {
    const secret = "a-real-production-secret-of-enough-length";
    const org = crypto.randomUUID();
    const token = await mintToken({ role: "admin", org, secret });
    const production = { ...env, ENVIRONMENT: "production", JWT_SECRET: secret };
    const patch = (url: string) =>
      worker.fetch(
        apiRequest("PATCH", "/admin/settings", `Bearer ${token}`, { opsWebhookUrl: url, opsWebhookSecret: SECRET }),
        production,
        { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext,
      );
    for (const url of [
      "http://ops.example.com/hook",
      "https://127.0.0.1/hook",
      "https://localhost/hook",
      "https://10.1.2.3/hook",
      "https://192.168.0.10/hook",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/hook",
    ]) {
      await expectValidationError(await patch(url), "body.opsWebhookUrl");
    }
    expect((await patch(HOOK)).status).toBe(200);
  });

  it("is for admins only; each org sees its own settings", async () => {
    const o = await newOrg();
    const other = await newOrg();
    await ok(o.admin.patch("/admin/settings", { opsWebhookUrl: HOOK, opsWebhookSecret: SECRET }));
    const driver = await o.addDriver();
    for (const caller of [o.ops, o.service, driver.client]) {
      await expectError(await caller.get("/admin/settings"), 403);
      await expectError(await caller.patch("/admin/settings", { opsWebhookUrl: null }), 403);
    }
    await expectError(await send("GET", "/admin/settings"), 401);
    expect(await settingsOf(other)).toEqual({ opsWebhookUrl: null, opsWebhookSecretSet: false, updatedAt: null });
    expect((await settingsOf(o)).opsWebhookUrl).toBe(HOOK);
  });
});

describe("webhook dead letters", () => {
  it("lists only the caller's org, newest first, and validates the query", async () => {
    const o = await newOrg();
    const other = await newOrg();
    const first = await insertDeadLetter(o.org, o.zone.id);
    const theirs = await insertDeadLetter(other.org, other.zone.id);
    const { deadLetters } = await ok(o.ops.get("/admin/webhooks/dead-letters"));
    expect(deadLetters.map((d: { id: string }) => d.id)).toEqual([first]);
    expect(deadLetters[0]).toMatchObject({ eventType: "unassigned_order_escalated", zoneId: o.zone.id, attempts: 8, lastError: "HTTP 500" });
    expect(deadLetters[0]).not.toHaveProperty("orgId");
    expect((await ok(other.admin.get("/admin/webhooks/dead-letters"))).deadLetters.map((d: { id: string }) => d.id)).toEqual([theirs]);
    await expectValidationError(await o.ops.get("/admin/webhooks/dead-letters?limit=0"), "query.limit");
    await expectValidationError(await o.ops.get("/admin/webhooks/dead-letters?limit=501"), "query.limit");
    await expectValidationError(await o.ops.get("/admin/webhooks/dead-letters?status=x"), "query.status");
  });

  it("retries only the caller's dead letters: another org's id is 404 and stays", async () => {
    const o = await newOrg();
    const other = await newOrg();
    const theirs = await insertDeadLetter(other.org, other.zone.id);
    await expectError(await o.ops.post(`/admin/webhooks/dead-letters/${theirs}/retry`), 404);
    await expectError(await o.ops.post(`/admin/webhooks/dead-letters/${crypto.randomUUID()}/retry`), 404);
    await expectValidationError(await o.ops.post("/admin/webhooks/dead-letters/not-a-uuid/retry"), "params.id");
    expect((await ok(other.ops.get("/admin/webhooks/dead-letters"))).deadLetters).toHaveLength(1);

    const mine = await insertDeadLetter(o.org, o.zone.id);
    expect(await ok(o.ops.post(`/admin/webhooks/dead-letters/${mine}/retry`))).toEqual({
      success: true,
      id: mine,
      requeuedAt: expect.stringMatching(isoMs),
    });
    expect((await ok(o.ops.get("/admin/webhooks/dead-letters"))).deadLetters).toEqual([]);
  });

  it("answers 403 to the order service and drivers", async () => {
    const o = await newOrg();
    const service = await client("service", o.org);
    const driver = await client("driver", o.org);
    for (const caller of [service, driver]) {
      await expectError(await caller.get("/admin/webhooks/dead-letters"), 403);
      await expectError(await caller.post(`/admin/webhooks/dead-letters/${crypto.randomUUID()}/retry`), 403);
    }
  });
});
