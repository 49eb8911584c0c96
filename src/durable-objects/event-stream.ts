import { ZoneEvent } from "../contracts/events";
import type { ZoneChanges } from "../domain/zone-changes";
import { audience } from "../domain/audiences";
import { isTerminalDelivery } from "../domain/delivery-status";
import type { StreamRow, ZoneStore } from "./zone-store";

/**
 * Numbers a decision's socket events per audience (`seq`, strictly increasing and continuous
 * across restarts and reconnects) and stamps each with an `eventId`. Every event is checked
 * against its contract schema first: an event that does not parse is a bug, never sent.
 */
export class EventStream {
  /**
   * Each live stream's last seq, a cache of storage (the newest event, or the floor). Bound: the
   * zone's drivers + its live deliveries + ops; a stream that ended is dropped (`release`).
   */
  private readonly lastSeqs = new Map<string, number>();

  constructor(private readonly store: ZoneStore) {}

  /** Rows for the decision's events; `commit` them only after the storage transaction holds. */
  sequence(events: ZoneChanges["events"], now: number): StreamRow[] {
    const next = new Map<string, number>();
    const rows: StreamRow[] = [];
    for (const { audiences, event } of events) {
      const checked = ZoneEvent.parse(event);
      const eventId = crypto.randomUUID();
      for (const audience of audiences) {
        const seq = (next.get(audience) ?? this.lastSeq(audience)) + 1;
        next.set(audience, seq);
        rows.push({ audience, seq, createdAt: now, payload: JSON.stringify({ ...checked, seq, eventId }) });
      }
    }
    return rows;
  }

  /** Carries a stream over from another zone: its next seq follows `seq` (never goes back). */
  continueFrom(audience: string, seq: number): void {
    if (seq <= this.lastSeq(audience)) return;
    this.store.setLastSeq(audience, seq);
    this.lastSeqs.set(audience, seq);
  }

  /**
   * Forgets the streams a committed decision ended: an ended delivery's customer stream, a
   * departed driver's stream. Their events stay in storage for replay; a later event (none is
   * expected) would read the last seq from there again.
   */
  release(changes: ZoneChanges): void {
    for (const delivery of changes.deliveries.values()) {
      if (isTerminalDelivery(delivery.status)) this.lastSeqs.delete(audience.customer(delivery.id));
    }
    for (const driverId of changes.departed.keys()) this.lastSeqs.delete(audience.driver(driverId));
  }

  /** How many streams' seqs are held in memory (tests check the bound). */
  get cachedStreams(): number {
    return this.lastSeqs.size;
  }

  /** Remembers the seqs of rows that are now stored. */
  committed(rows: StreamRow[]): void {
    for (const row of rows) this.lastSeqs.set(row.audience, row.seq);
  }

  private lastSeq(audience: string): number {
    let seq = this.lastSeqs.get(audience);
    if (seq === undefined) this.lastSeqs.set(audience, (seq = this.store.lastSeq(audience)));
    return seq;
  }
}
