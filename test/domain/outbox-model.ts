import type { AuditEntry, DeliveryCost, HistoryEntry, SupportTicket, UnassignedRecord } from "../../src/domain/model";
import { flushRetryDelayMs } from "../../src/domain/outbox-retry";
import type { FlushSchedule, OutboxRow } from "../../src/durable-objects/zone-store";
import type { ZoneStorage } from "./zone-storage";

/**
 * How one flush meets D1: it takes the whole batch, refuses it outright, or applies the first
 * `applied` rows and then fails (a batch cut off half way; the flusher sees only the failure).
 */
export type FlushFault = { kind: "none" } | { kind: "fail" } | { kind: "half"; applied: number };

/**
 * D1's outbox tables as `writeOutboxToD1` (outbox-flusher.ts) leaves them: audit, history and
 * ticket rows are inserts that ignore a row already there (by id; delivery costs by delivery id), unassigned records are upserts
 * of their whole state (tables keyed by id, as D1's primary keys).
 */
export class SimulatedD1 {
  readonly audit = new Map<string, AuditEntry>();
  readonly history = new Map<string, HistoryEntry>();
  readonly tickets = new Map<string, SupportTicket>();
  readonly unassigned = new Map<string, UnassignedRecord>();
  readonly costs = new Map<string, DeliveryCost>();

  /** Runs one batch; throws, like D1, once it stops part way. */
  write(rows: OutboxRow[], fault: FlushFault): void {
    const stopAt = fault.kind === "none" ? rows.length : fault.kind === "fail" ? 0 : Math.min(fault.applied, rows.length - 1);
    for (const row of rows.slice(0, stopAt)) this.apply(row);
    if (stopAt < rows.length) throw new Error(`D1 failed after ${stopAt} of ${rows.length} rows`);
  }

  private apply(row: OutboxRow): void {
    switch (row.kind) {
      case "audit":
        return this.insertOrIgnore(this.audit, row.payload);
      case "history":
        return this.insertOrIgnore(this.history, row.payload);
      case "ticket":
        return this.insertOrIgnore(this.tickets, row.payload);
      case "unassigned":
        this.unassigned.set(row.payload.id, row.payload);
        return;
      case "cost":
        if (!this.costs.has(row.payload.deliveryId)) this.costs.set(row.payload.deliveryId, row.payload);
        return;
    }
  }

  private insertOrIgnore<T extends { id: string }>(table: Map<string, T>, row: T): void {
    if (!table.has(row.id)) table.set(row.id, row);
  }
}

/** Rows per batch, as in outbox-flusher.ts. */
const FLUSH_BATCH_SIZE = 200;

/**
 * The zone object's OutboxFlusher over the modelled storage, step for step: a schedule kept in
 * memory and stored only while a failure is being retried; on wake, pending rows with no stored
 * schedule are due at once; a failure retries after `flushRetryDelayMs`, a success deletes the
 * batch and goes on at once while rows remain.
 */
export class OutboxFlush {
  private schedule: FlushSchedule;

  constructor(
    private readonly storage: ZoneStorage,
    now: number,
  ) {
    this.schedule = storage.flushSchedule();
    if (this.schedule.dueAt === null && storage.outbox.length > 0) this.schedule = { dueAt: now, attempts: 0 };
  }

  get dueAt(): number | null {
    return this.schedule.dueAt;
  }

  rowsAdded(now: number): void {
    if (this.schedule.dueAt === null) this.reschedule({ dueAt: now, attempts: 0 });
  }

  /** One flush at `now` (the alarm runs it once due); answers whether D1 took the batch. */
  flush(now: number, d1: SimulatedD1, fault: FlushFault): "empty" | "flushed" | "failed" {
    const rows = this.storage.outbox.slice(0, FLUSH_BATCH_SIZE);
    const last = rows.at(-1);
    if (!last) {
      this.reschedule({ dueAt: null, attempts: 0 });
      return "empty";
    }
    try {
      d1.write(rows, fault);
    } catch {
      const attempts = this.schedule.attempts + 1;
      this.reschedule({ dueAt: now + flushRetryDelayMs(attempts), attempts });
      return "failed";
    }
    this.storage.deleteOutboxThrough(last.seq);
    this.reschedule({ dueAt: this.storage.outbox.length > 0 ? now : null, attempts: 0 });
    return "flushed";
  }

  private reschedule(schedule: FlushSchedule): void {
    if (schedule.attempts > 0 || this.schedule.attempts > 0) this.storage.saveFlushSchedule(schedule);
    this.schedule = schedule;
  }
}
