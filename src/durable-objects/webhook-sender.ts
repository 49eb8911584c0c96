import type { OpsNotification } from "../domain/model";
import { failedWebhookAttempt, webhookRetryDelayMs } from "../domain/outbox-retry";
import { postNotice, readWebhookTarget, writeDeadLetter } from "./ops-webhook";
import { SendLoop } from "./send-loop";
import type { ZoneStore } from "./zone-store";

/** Ops webhook notices sent (concurrently) per run. */
const WEBHOOK_BATCH_SIZE = 20;

export interface WebhookSenderOptions {
  store: ZoneStore;
  db: D1Database;
  /** The zone's org, or null before the zone is configured. */
  orgId: () => string | null;
  production: boolean;
  clock: () => number;
  /** Called when a run ends or the next send time moves, so the alarm follows. */
  rearm: () => void;
}

/**
 * Sends the zone's queued ops notices to the org's webhook beside the zone's work (send-loop.ts).
 * Failures are retried with backoff and end in the dead letters.
 */
export class WebhookSender {
  private readonly loop: SendLoop;

  constructor(private readonly options: WebhookSenderOptions) {
    this.loop = new SendLoop({
      name: "ops webhook",
      runOnce: () => this.sendBatch(),
      nextDueAt: () => options.store.nextWebhookAt(),
      retryAfterMs: () => webhookRetryDelayMs(1),
      clock: options.clock,
      rearm: options.rearm,
    });
  }

  get dueAt(): number | null {
    return this.loop.dueAt;
  }

  /** Notices were queued now (by a decision, or a dead letter put back). */
  queued(): void {
    this.loop.queued();
  }

  requeue(notice: OpsNotification): void {
    this.options.store.enqueueWebhook(notice, this.options.clock());
    this.loop.queued();
    this.options.rearm();
  }

  isDue(now: number): boolean {
    return this.loop.isDue(now);
  }

  /** Sends the notices that are due (the alarm starts this; tests await it). */
  deliver(): Promise<void> {
    return this.loop.deliver();
  }

  private async sendBatch(): Promise<void> {
    const { store, db, clock, production } = this.options;
    const orgId = this.options.orgId();
    const due = orgId ? store.dueWebhooks(clock(), WEBHOOK_BATCH_SIZE) : [];
    const target = due.length > 0 && orgId ? await readWebhookTarget(db, orgId) : null;
    await Promise.all(
      due.map(async (row) => {
        // Without a webhook there is nobody to tell: the notice was for ops sockets only.
        const error = target ? await postNotice(target, row.payload, production) : null;
        if (error === null) return store.webhookDone(row.id, target ? "success" : undefined);
        const now = clock();
        const { deadLetter, ...failure } = failedWebhookAttempt(row, error, now);
        if (deadLetter) {
          try {
            await writeDeadLetter(db, { notice: row.payload, ...failure, failedAt: now });
            return store.webhookDone(row.id, "dead_letter");
          } catch (deadLetterError) {
            console.warn("dead letter write failed; the notice stays queued", String(deadLetterError));
          }
        }
        store.webhookFailed(row.id, failure, "failure");
      }),
    );
  }
}
