/*
 * The zone health formulas (docs/api.md "Zone health"), as plain arithmetic over counts, so each
 * edge (no drivers, nothing waiting, all escalated, exactly at target) is a one-line test.
 */

/** 1 when nothing waits, else 1 + floor(9 × W / (W + A)): 10 when no driver is available. */
export function demandLevel(waiting: number, available: number): number {
  if (waiting === 0) return 1;
  return 1 + Math.floor((9 * waiting) / (waiting + available));
}

export interface ScoreInputs {
  driversOnline: number;
  minDriversRequired: number;
  avgWaitTimeSeconds: number;
  targetWaitTimeSeconds: number;
  /** Deliveries `ready`. */
  waiting: number;
  /** Of those, at escalation level 1 or higher. */
  escalated: number;
}

/** round(100 × (0.4 × supply + 0.4 × wait + 0.2 × flow)), each part in 0…1. */
export function healthScore(i: ScoreInputs): number {
  const supply = Math.min(1, i.driversOnline / Math.max(1, i.minDriversRequired));
  const wait = i.avgWaitTimeSeconds <= i.targetWaitTimeSeconds ? 1 : i.targetWaitTimeSeconds / i.avgWaitTimeSeconds;
  const flow = 1 - Math.min(i.escalated, i.waiting) / Math.max(1, i.waiting);
  return Math.round(100 * (0.4 * supply + 0.4 * wait + 0.2 * flow));
}

/** How long the window looks back: deliveries created in the last hour count. */
export const WAIT_WINDOW_MS = 60 * 60_000;
const MINUTE_MS = 60_000;

/**
 * Creation → first assignment of the deliveries assigned so far, summed per creation minute:
 * `[minute, totalWaitMs, count]`, oldest first. At most 61 entries, whatever the traffic.
 */
export type WaitBucket = [minute: number, totalWaitMs: number, count: number];

/** The buckets with one more assignment, and without those that fell out of the window. */
export function addWait(buckets: readonly WaitBucket[], createdAt: number, waitMs: number, now: number): WaitBucket[] {
  const minute = Math.floor(createdAt / MINUTE_MS);
  const kept = inWindow(buckets, now);
  const at = kept.findIndex(([m]) => m === minute);
  if (at >= 0) {
    const [, total, count] = kept[at]!;
    kept[at] = [minute, total + waitMs, count + 1];
  } else {
    kept.push([minute, waitMs, 1]);
    kept.sort((a, b) => a[0] - b[0]);
  }
  return kept;
}

/** Buckets of deliveries created in the last hour (to the minute). */
export function inWindow(buckets: readonly WaitBucket[], now: number): WaitBucket[] {
  const firstMinute = Math.floor((now - WAIT_WINDOW_MS) / MINUTE_MS);
  return buckets.filter(([minute]) => minute >= firstMinute);
}

/**
 * Mean wait in whole seconds: the assigned deliveries of the window plus the waits so far of
 * those still waiting (`waiting`: how many, and their waits summed; 0 when there are none).
 */
export function averageWaitSeconds(buckets: readonly WaitBucket[], waiting: { count: number; totalMs: number }, now: number): number {
  let total = Math.max(0, waiting.totalMs);
  let count = waiting.count;
  for (const [, sum, n] of inWindow(buckets, now)) {
    total += sum;
    count += n;
  }
  return count === 0 ? 0 : Math.round(total / count / 1000);
}
