import { describe, expect, it } from "vitest";
import { autoDisableReason, deliveryWebhookPolicy, failureCountChanges, subscribersOf } from "../../src/domain/delivery-webhook-policy";
import { failedWebhookAttempt } from "../../src/domain/outbox-retry";

const VARS = { DELIVERY_WEBHOOK_RETRY_BASE_MS: "200", DELIVERY_WEBHOOK_MAX_ATTEMPTS: "3", DELIVERY_WEBHOOK_DISABLE_AFTER: "5" };

describe("deliveryWebhookPolicy", () => {
  it("is 8 tries from 5 s, disabled after 50 failures; overrides count only in development and test", () => {
    const defaults = { maxAttempts: 8, baseMs: 5000, capMs: 600_000, disableAfterFailures: 50 };
    expect(deliveryWebhookPolicy(undefined, VARS)).toEqual(defaults);
    expect(deliveryWebhookPolicy("production", VARS)).toEqual(defaults);
    expect(deliveryWebhookPolicy("staging", VARS)).toEqual(defaults);
    expect(deliveryWebhookPolicy("test", VARS)).toEqual({ ...defaults, baseMs: 200, maxAttempts: 3, disableAfterFailures: 5 });
    expect(deliveryWebhookPolicy("development", { DELIVERY_WEBHOOK_MAX_ATTEMPTS: "0", DELIVERY_WEBHOOK_RETRY_BASE_MS: "x" })).toEqual(defaults);
  });

  it("drives the retry schedule: doubling from the base, dead-lettered at the last try", () => {
    const policy = deliveryWebhookPolicy("test", VARS);
    const first = failedWebhookAttempt({ attempts: 0, firstAttemptAt: null }, "HTTP 503", 1000, policy);
    expect(first).toEqual({ attempts: 1, lastError: "HTTP 503", firstAttemptAt: 1000, nextAttemptAt: 1200, deadLetter: false });
    expect(failedWebhookAttempt({ attempts: 1, firstAttemptAt: 1000 }, "HTTP 503", 2000, policy)).toMatchObject({ nextAttemptAt: 2400, deadLetter: false });
    expect(failedWebhookAttempt({ attempts: 2, firstAttemptAt: 1000 }, "HTTP 503", 3000, policy)).toMatchObject({ attempts: 3, deadLetter: true });
  });
});

describe("subscribersOf", () => {
  it("is the enabled subscriptions whose filter names the event", () => {
    const subs = [
      { id: "all", enabled: true, events: ["delivery.created", "delivery.delivered"] },
      { id: "off", enabled: false, events: ["delivery.created"] },
      { id: "done", enabled: true, events: ["delivery.delivered"] },
    ];
    expect(subscribersOf("delivery.created", subs).map((s) => s.id)).toEqual(["all"]);
    expect(subscribersOf("delivery.delivered", subs).map((s) => s.id)).toEqual(["all", "done"]);
    expect(subscribersOf("delivery.failed", subs)).toEqual([]);
  });
});

describe("failureCountChanges", () => {
  it("resets a subscription on a success and counts only the failures after the last one", () => {
    expect(
      failureCountChanges([
        { subscriptionId: "a", error: "HTTP 500" },
        { subscriptionId: "b", error: "HTTP 503" },
        { subscriptionId: "a", error: null },
        { subscriptionId: "a", error: "timeout" },
        { subscriptionId: "b", error: "HTTP 502" },
        { subscriptionId: "c", error: null },
      ]),
    ).toEqual([
      { subscriptionId: "a", reset: true, failures: 1, lastError: "timeout" },
      { subscriptionId: "b", reset: false, failures: 2, lastError: "HTTP 502" },
      { subscriptionId: "c", reset: true, failures: 0, lastError: null },
    ]);
    expect(failureCountChanges([])).toEqual([]);
  });

  it("says why a subscription was disabled", () => {
    expect(autoDisableReason(50, "HTTP 503")).toBe("disabled after 50 failed sends in a row (last: HTTP 503)");
  });
});
