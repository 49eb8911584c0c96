/** How long the zone waits before retrying a failed D1 flush: doubling from 1 s, capped at 60 s. */
export function flushRetryDelayMs(failedAttempts: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, failedAttempts - 1));
}

/** An ops webhook notice is tried this many times before it goes to the dead letters. */
export const WEBHOOK_MAX_ATTEMPTS = 8;

/**
 * Wait before the next try of an ops webhook notice: doubling from 5 s (5, 10, 20 … 320 s), so
 * the 8 tries span about 10 minutes of a receiver being down before a notice is dead-lettered.
 */
export function webhookRetryDelayMs(failedAttempts: number): number {
  return Math.min(600_000, 5000 * 2 ** Math.max(0, failedAttempts - 1));
}
