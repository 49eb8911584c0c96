import type { DeliveryRecord } from "./model";

const MINUTE_MS = 60_000;

/** What zone health reads of the `ready` deliveries. */
export interface ReadyFigures {
  waiting: number;
  escalated: number;
  unassigned: number;
  waitsSince(since: number, now: number): [count: number, totalMs: number];
}

/**
 * Running sums over a zone's `ready` deliveries, kept with the deliveries themselves, so zone
 * health costs the same with 4,000 deliveries waiting as with one: how many wait, how many are
 * escalated or unassigned, and, per creation minute, the never-assigned ones' creation times
 * (a wait so far is `now − createdAt`, so a sum of creation times gives the sum of waits).
 */
export class ReadyTally {
  waiting = 0;
  escalated = 0;
  unassigned = 0;
  /** creation minute → [deliveries never assigned yet, sum of their createdAt ms]. */
  readonly neverAssigned = new Map<number, [count: number, createdAtSum: number]>();

  /** Adds (sign 1) or takes out (sign −1) one delivery's share; a delivery not `ready` has none. */
  count(delivery: DeliveryRecord | undefined, sign: 1 | -1): void {
    if (delivery?.status !== "ready") return;
    this.waiting += sign;
    if ((delivery.unassigned?.escalationLevel ?? 0) >= 1) this.escalated += sign;
    if (delivery.unassigned) this.unassigned += sign;
    if (delivery.assignmentId !== null) return;
    const createdAt = Date.parse(delivery.createdAt);
    const minute = Math.floor(createdAt / MINUTE_MS);
    const [count, sum] = this.neverAssigned.get(minute) ?? [0, 0];
    const next: [number, number] = [count + sign, sum + sign * createdAt];
    // A tally of differences can hold a zero count with a non-zero sum (one out, another in).
    if (next[0] === 0 && next[1] === 0) this.neverAssigned.delete(minute);
    else this.neverAssigned.set(minute, next);
  }

  /**
   * The figures as a decision sees them: this tally plus the shares its delivery writes moved
   * (a small tally of differences, so nothing is copied).
   */
  seenWith(changed: Iterable<[before: DeliveryRecord | undefined, after: DeliveryRecord]>): ReadyFigures {
    const delta = new ReadyTally();
    for (const [before, after] of changed) {
      delta.count(before, -1);
      delta.count(after, 1);
    }
    return {
      waiting: this.waiting + delta.waiting,
      escalated: this.escalated + delta.escalated,
      unassigned: this.unassigned + delta.unassigned,
      waitsSince: (since, now) => {
        const [count, total] = this.waitsSince(since, now);
        const [moreCount, moreTotal] = delta.waitsSince(since, now);
        return [count + moreCount, total + moreTotal];
      },
    };
  }

  /** Waits so far (ms) of the never-assigned deliveries created at or after `since`, as [count, total]. */
  waitsSince(since: number, now: number): [count: number, totalMs: number] {
    const firstMinute = Math.floor(since / MINUTE_MS);
    let count = 0;
    let total = 0;
    for (const [minute, [n, createdAtSum]] of this.neverAssigned) {
      if (minute < firstMinute) continue;
      count += n;
      total += n * now - createdAtSum;
    }
    return [count, total];
  }
}
