import { describe, expect, it } from "vitest";
import { WEBHOOK_MAX_ATTEMPTS, failedWebhookAttempt, flushRetryDelayMs, webhookRetryDelayMs } from "../../src/domain/outbox-retry";

describe("retry waits", () => {
  it("doubles the D1 flush wait from 1 s up to 60 s", () => {
    expect([1, 2, 3, 6, 7, 20].map(flushRetryDelayMs)).toEqual([1000, 2000, 4000, 32_000, 60_000, 60_000]);
  });

  it("doubles the webhook wait from 5 s: the 7 waits before the 8th try are 5 … 320 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(webhookRetryDelayMs)).toEqual([5, 10, 20, 40, 80, 160, 320].map((s) => s * 1000));
    expect(webhookRetryDelayMs(30)).toBe(600_000);
  });
});

describe("failedWebhookAttempt", () => {
  const now = 1_000_000;

  it("keeps the first attempt's time and schedules the next try after the backoff", () => {
    expect(failedWebhookAttempt({ attempts: 0, firstAttemptAt: null }, "HTTP 500", now)).toEqual({
      attempts: 1,
      lastError: "HTTP 500",
      firstAttemptAt: now,
      nextAttemptAt: now + 5000,
      deadLetter: false,
    });
    expect(failedWebhookAttempt({ attempts: 3, firstAttemptAt: 42 }, "timeout", now)).toMatchObject({
      attempts: 4,
      firstAttemptAt: 42,
      nextAttemptAt: now + 40_000,
      deadLetter: false,
    });
  });

  it("dead-letters at the 8th failure, not before", () => {
    expect(failedWebhookAttempt({ attempts: WEBHOOK_MAX_ATTEMPTS - 2, firstAttemptAt: 1 }, "x", now).deadLetter).toBe(false);
    expect(failedWebhookAttempt({ attempts: WEBHOOK_MAX_ATTEMPTS - 1, firstAttemptAt: 1 }, "x", now)).toMatchObject({
      attempts: WEBHOOK_MAX_ATTEMPTS,
      deadLetter: true,
    });
  });
});
