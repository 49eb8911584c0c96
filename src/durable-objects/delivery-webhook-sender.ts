import type { DeliveryEvent } from "../contracts/delivery-webhooks";
import { type DeliveryWebhookPolicy, type SendOutcome, failureCountChanges, subscribersOf } from "../domain/delivery-webhook-policy";
import { type WebhookFailure, failedWebhookAttempt } from "../domain/outbox-retry";
import { type SubscriptionTarget, postEvent, readSubscriptionTargets, recordFailureCounts, writeDeliveryDeadLetter } from "./delivery-targets";
import { SendLoop } from "./send-loop";
import type { DeliverySendRow, ZoneStore } from "./zone-store";

/** Sends made (concurrently) per run, and events handed to the subscriptions per run. */
const SEND_BATCH_SIZE = 20;
const FAN_OUT_BATCH_SIZE = 200;
/** The org's subscriptions are read from D1 at most this often (a change reaches sends within this). */
const SUBSCRIPTIONS_TTL_MS = 5000;

export interface DeliveryWebhookSenderOptions {
  store: ZoneStore;
  db: D1Database;
  orgId: () => string | null;
  production: boolean;
  clock: () => number;
  rearm: () => void;
  /** Read at each run: tests shorten the backoff and the failure limit. */
  policy: () => DeliveryWebhookPolicy;
}

/**
 * Sends the zone's delivery events to the org's subscriptions beside the zone's work
 * (send-loop.ts). Each run hands newly committed events to the subscriptions that want them,
 * then sends the head of each (subscription, delivery) chain that is due, so a delivery's
 * events reach a receiver in order; failures back off, end in the dead letters and count
 * towards the subscription's automatic disable.
 */
export class DeliveryWebhookSender {
  private readonly loop: SendLoop;
  private subscriptions: { orgId: string; at: number; list: SubscriptionTarget[] } | null = null;

  constructor(private readonly options: DeliveryWebhookSenderOptions) {
    this.loop = new SendLoop({
      name: "delivery webhooks",
      runOnce: () => this.runOnce(),
      nextDueAt: () => options.store.nextDeliverySendAt(options.clock()),
      retryAfterMs: () => options.policy().baseMs,
      clock: options.clock,
      rearm: options.rearm,
    });
  }

  get dueAt(): number | null {
    return this.loop.dueAt;
  }

  /** A decision committed delivery events. */
  queued(): void {
    this.loop.queued();
  }

  /** The org's subscriptions changed: the next run reads them afresh instead of its cached copy. */
  forgetSubscriptions(): void {
    this.subscriptions = null;
  }

  requeue(subscriptionId: string, event: DeliveryEvent): void {
    // An admin acts just before a retry (re-enabling the subscription, say): read them afresh.
    this.forgetSubscriptions();
    this.options.store.requeueDeliverySend(subscriptionId, event, this.options.clock());
    this.loop.queued();
    this.options.rearm();
  }

  isDue(now: number): boolean {
    return this.loop.isDue(now);
  }

  deliver(): Promise<void> {
    return this.loop.deliver();
  }

  private async runOnce(): Promise<void> {
    const orgId = this.options.orgId();
    if (!orgId) return;
    const { store, clock } = this.options;
    const pending = store.pendingDeliveryEvents(FAN_OUT_BATCH_SIZE);
    if (pending.length === 0 && store.dueDeliverySends(clock(), 1).length === 0) return;
    const subscriptions = await this.subscriptionsOf(orgId);
    // Subscriptions as they are when the event is handed out: one created later does not get it.
    store.fanOutDeliveryEvents(pending, (event) => subscribersOf(event.type, subscriptions).map((s) => s.id), clock());
    const byId = new Map(subscriptions.map((s) => [s.id, s]));
    const outcomes: SendOutcome[] = [];
    await Promise.all(
      store.dueDeliverySends(clock(), SEND_BATCH_SIZE).map(async (row) => {
        const outcome = await this.send(orgId, row, byId.get(row.subscriptionId));
        if (outcome) outcomes.push(outcome);
      }),
    );
    const changes = failureCountChanges(outcomes);
    if (changes.length === 0) return;
    await recordFailureCounts(this.options.db, changes, this.options.policy().disableAfterFailures);
    // A failure may have disabled a subscription: read them again next run.
    if (changes.some((c) => c.failures > 0)) this.subscriptions = null;
  }

  /** Sends one queued event; answers its outcome for the failure count, or null when nothing was sent. */
  private async send(orgId: string, row: DeliverySendRow, target: SubscriptionTarget | undefined): Promise<SendOutcome | null> {
    const { store, clock, production } = this.options;
    const policy = this.options.policy();
    if (!target) {
      // A deleted subscription's sends go with it.
      store.deliverySendDone(row.seq);
      return null;
    }
    if (!target.enabled) {
      // A disabled subscription's queued events go to its dead letters, to be sent again once enabled.
      const now = clock();
      const failure = { attempts: row.attempts, lastError: "subscription disabled", firstAttemptAt: row.firstAttemptAt ?? now, nextAttemptAt: now + policy.baseMs };
      if (!(await this.deadLettered(orgId, row, failure, now))) store.deliverySendFailed(row.seq, failure);
      return null;
    }
    const { error } = await postEvent(target, row.payload, production, clock());
    if (error === null) {
      store.deliverySendDone(row.seq, "success");
      return { subscriptionId: row.subscriptionId, error };
    }
    const now = clock();
    const { deadLetter, ...failure } = failedWebhookAttempt(row, error, now, policy);
    if (!(deadLetter && (await this.deadLettered(orgId, row, failure, now)))) store.deliverySendFailed(row.seq, failure, "failure");
    return { subscriptionId: row.subscriptionId, error };
  }

  /** Moves a send to the subscription's dead letters; false when D1 refused (the send stays queued). */
  private async deadLettered(orgId: string, row: DeliverySendRow, failure: Omit<WebhookFailure, "deadLetter">, now: number): Promise<boolean> {
    try {
      await writeDeliveryDeadLetter(this.options.db, { orgId, subscriptionId: row.subscriptionId, event: row.payload, ...failure, failedAt: now });
      this.options.store.deliverySendDone(row.seq, "dead_letter");
      return true;
    } catch (error) {
      console.warn("delivery dead letter write failed; the event stays queued", String(error));
      return false;
    }
  }

  private async subscriptionsOf(orgId: string): Promise<SubscriptionTarget[]> {
    const now = this.options.clock();
    const cached = this.subscriptions;
    if (cached && cached.orgId === orgId && now - cached.at < SUBSCRIPTIONS_TTL_MS) return cached.list;
    const list = await readSubscriptionTargets(this.options.db, orgId);
    this.subscriptions = { orgId, at: now, list };
    return list;
  }
}
