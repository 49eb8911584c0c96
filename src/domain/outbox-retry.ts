/** How long the zone waits before retrying a failed D1 flush: doubling from 1 s, capped at 60 s. */
export function flushRetryDelayMs(failedAttempts: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, failedAttempts - 1));
}
