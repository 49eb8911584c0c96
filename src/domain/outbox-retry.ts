/*
 * Retry rules of what a zone sends out of itself: its outbox to D1, ops notices to the org's
 * webhook and delivery events to the org's subscriptions. All wait twice as long after each
 * failure, up to a cap.
 */

/** `baseMs` after the first failure, twice that after the second, and so on, at most `capMs`. */
function doublingDelayMs(failedAttempts: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, failedAttempts - 1));
}

/** How long the zone waits before retrying a failed D1 flush: doubling from 1 s, capped at 60 s. */
export function flushRetryDelayMs(failedAttempts: number): number {
  return doublingDelayMs(failedAttempts, 1000, 60_000);
}

/** An ops webhook notice is tried this many times before it goes to the dead letters. */
export const WEBHOOK_MAX_ATTEMPTS = 8;

/** How a webhook send is retried: tries before the dead letters, and the doubling wait between. */
export interface WebhookRetryRules {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
}

/**
 * The ops webhook's rules: doubling from 5 s (5, 10, 20 … 320 s), so the 8 tries span about 10
 * minutes of a receiver being down before a notice is dead-lettered.
 */
export const OPS_WEBHOOK_RETRY: WebhookRetryRules = { maxAttempts: WEBHOOK_MAX_ATTEMPTS, baseMs: 5000, capMs: 600_000 };

/** Wait before the next try of an ops webhook notice (OPS_WEBHOOK_RETRY). */
export function webhookRetryDelayMs(failedAttempts: number): number {
  return doublingDelayMs(failedAttempts, OPS_WEBHOOK_RETRY.baseMs, OPS_WEBHOOK_RETRY.capMs);
}

export interface WebhookFailure {
  attempts: number;
  lastError: string;
  firstAttemptAt: number;
  /** When to try again; used too when the dead letter cannot be written. */
  nextAttemptAt: number;
  /** The last attempt failed: the notice goes to the dead letters. */
  deadLetter: boolean;
}

/** Where a notice (or a delivery event, under its subscription's rules) stands after one more failed send at `now`. */
export function failedWebhookAttempt(
  queued: { attempts: number; firstAttemptAt: number | null },
  error: string,
  now: number,
  rules: WebhookRetryRules = OPS_WEBHOOK_RETRY,
): WebhookFailure {
  const attempts = queued.attempts + 1;
  return {
    attempts,
    lastError: error,
    firstAttemptAt: queued.firstAttemptAt ?? now,
    nextAttemptAt: now + doublingDelayMs(attempts, rules.baseMs, rules.capMs),
    deadLetter: attempts >= rules.maxAttempts,
  };
}
