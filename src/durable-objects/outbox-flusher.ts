import { drizzle } from "drizzle-orm/d1";
import { deliveryAuditLogs, deliveryCosts, driverAvailabilityHistory, supportTickets, unassignedOrders } from "../db/d1-schema";
import { type D1WriteFault, d1WriteFault } from "../domain/fault-injection";
import { flushRetryDelayMs } from "../domain/outbox-retry";
import type { FlushSchedule, OutboxRow, ZoneStore } from "./zone-store";

/**
 * Copies outbox rows into D1 in one batch. Ids were fixed when the rows were written; audit and
 * history inserts ignore a row already there (so do tickets: once in D1 only ops change them, and
 * delivery costs: a delivery is delivered once, keyed by its id) and
 * unassigned records are upserts of their whole state, so a batch that half-succeeded or runs
 * twice is harmless.
 */
async function writeOutboxToD1(d1: D1Database, rows: OutboxRow[]): Promise<void> {
  const db = drizzle(d1);
  const statements = rows.map((row) => {
    switch (row.kind) {
      case "audit":
        return db.insert(deliveryAuditLogs).values(row.payload).onConflictDoNothing();
      case "history":
        return db.insert(driverAvailabilityHistory).values(row.payload).onConflictDoNothing();
      case "ticket":
        return db.insert(supportTickets).values(row.payload).onConflictDoNothing();
      case "cost":
        return db.insert(deliveryCosts).values(row.payload).onConflictDoNothing();
      case "unassigned": {
        // The record's latest state; outbox order makes the last write the newest one.
        const { id: _id, ...latest } = row.payload;
        return db.insert(unassignedOrders).values(row.payload).onConflictDoUpdate({ target: unassignedOrders.id, set: latest });
      }
    }
  });
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/** The outbox's one way into D1, failing as `fault` says (test-only, domain/fault-injection.ts). */
async function writeOutboxWithFault(d1: D1Database, rows: OutboxRow[], fault: D1WriteFault): Promise<void> {
  if (fault === "refused") throw new Error("injected D1 fault: write refused");
  await writeOutboxToD1(d1, rows);
  if (fault === "answer_lost") throw new Error("injected D1 fault: answer lost after the write");
}

/** Outbox rows sent to D1 per batch. */
const FLUSH_BATCH_SIZE = 200;

/**
 * Moves the zone's outbox into D1, one batch at a time, retrying with backoff while D1 fails.
 * The schedule is stored only while a failure is being retried (its time and attempt count, so
 * the backoff survives a restart); otherwise pending rows are flushed at once after a restart
 * anyway, so a plain "flush now" costs no write on the decision path.
 */
export class OutboxFlusher {
  private schedule: FlushSchedule;
  private running: Promise<void> | null = null;

  constructor(
    private readonly store: ZoneStore,
    /** Read at each flush: tests swap the target for a failing D1. */
    private readonly target: () => D1Database,
    private readonly clock: () => number,
    /** Called whenever the next flush time moves, so the alarm follows. */
    private readonly rearm: () => void,
    /** Share of writes to fail on purpose: 0 except when end-to-end tests ask for faults. */
    private readonly faultRate: number,
  ) {
    this.schedule = store.flushSchedule();
    // A crash between a commit and its flush scheduling must not strand outbox rows.
    if (this.schedule.dueAt === null && store.outboxSize() > 0) this.schedule = { dueAt: clock(), attempts: 0 };
  }

  /** When the next flush is due (null: the outbox is empty). */
  get dueAt(): number | null {
    return this.schedule.dueAt;
  }

  /** A decision added rows: flush them soon, unless a flush (or its retry) is already planned. */
  rowsAdded(): void {
    if (this.schedule.dueAt === null) this.reschedule({ dueAt: this.clock(), attempts: 0 });
  }

  /** Sends pending rows to D1 now (one run at a time); answers how many are still waiting. */
  async flush(): Promise<{ remaining: number }> {
    this.running ??= this.flushOnce().finally(() => {
      this.running = null;
    });
    await this.running;
    return { remaining: this.store.outboxSize() };
  }

  private async flushOnce(): Promise<void> {
    const rows = this.store.outboxBatch(FLUSH_BATCH_SIZE);
    const last = rows.at(-1);
    if (!last) return this.reschedule({ dueAt: null, attempts: 0 });
    try {
      await writeOutboxWithFault(this.target(), rows, d1WriteFault(this.faultRate, Math.random()));
    } catch (error) {
      const attempts = this.schedule.attempts + 1;
      console.warn(`outbox flush failed (attempt ${attempts}), retrying`, String(error));
      return this.reschedule({ dueAt: this.clock() + flushRetryDelayMs(attempts), attempts });
    }
    this.store.deleteOutboxThrough(last.seq);
    this.reschedule({ dueAt: this.store.outboxSize() > 0 ? this.clock() : null, attempts: 0 });
  }

  private reschedule(schedule: FlushSchedule): void {
    if (schedule.attempts > 0 || this.schedule.attempts > 0) this.store.saveFlushSchedule(schedule);
    this.schedule = schedule;
    this.rearm();
  }
}
