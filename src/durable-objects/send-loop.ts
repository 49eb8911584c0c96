/**
 * The schedule of one kind of webhook send beside the zone's work (ops notices, delivery
 * events): a run is started by the alarm and never awaited by a decision, so a slow receiver
 * delays nothing; one run at a time; when it ends, the next send time is read back from storage
 * and the alarm follows.
 */
export interface SendLoopOptions {
  /** Named in the warning when a whole run fails. */
  name: string;
  /** Sends what is due now. */
  runOnce: () => Promise<void>;
  /** When the next send is due, as storage says (null: nothing queued). */
  nextDueAt: () => number | null;
  /** After a run failed as a whole (D1 unreachable): how long until the next try. */
  retryAfterMs: () => number;
  clock: () => number;
  /** Called when a run ends or the next send time moves, so the alarm follows. */
  rearm: () => void;
}

export class SendLoop {
  private nextAt: number | null;
  private running: Promise<void> | null = null;

  constructor(private readonly options: SendLoopOptions) {
    this.nextAt = options.nextDueAt();
  }

  /** When the next send is due; null while a run is out (its end re-arms) or nothing is queued. */
  get dueAt(): number | null {
    return this.running ? null : this.nextAt;
  }

  /** Something was queued now (by a decision, or a dead letter put back). */
  queued(): void {
    this.nextAt = Math.min(this.nextAt ?? Number.POSITIVE_INFINITY, this.options.clock());
  }

  isDue(now: number): boolean {
    return this.nextAt !== null && this.nextAt <= now;
  }

  /** Sends what is due (the alarm starts this; tests await it). */
  async deliver(): Promise<void> {
    this.running ??= this.runDue().finally(() => {
      this.running = null;
      this.options.rearm();
    });
    await this.running;
  }

  private async runDue(): Promise<void> {
    try {
      await this.options.runOnce();
      this.nextAt = this.options.nextDueAt();
    } catch (error) {
      // D1 (the org's settings or subscriptions) unreachable: what is queued waits for the next try.
      console.warn(`${this.options.name} run failed`, String(error));
      this.nextAt = this.options.clock() + this.options.retryAfterMs();
    }
  }
}
