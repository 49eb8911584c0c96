import type { DeliveryEventType } from "../contracts/delivery-webhooks";
import { isRelaxedEnvironment } from "./environment";
import { OPS_WEBHOOK_RETRY, type WebhookRetryRules } from "./outbox-retry";

/*
 * The rules of delivery webhooks beyond one event (delivery-events.ts): how many subscriptions
 * an org may hold, who gets an event, how sends are retried and when a failing subscription is
 * switched off.
 */

export const MAX_SUBSCRIPTIONS_PER_ORG = 10;

export interface DeliveryWebhookPolicy extends WebhookRetryRules {
  /** Failed sends in a row (across the org's zones) after which a subscription is disabled. */
  disableAfterFailures: number;
}

/** Retries as the ops webhook's (8 tries over about 10 minutes); disabled after 50 failures in a row. */
const DEFAULT_POLICY: DeliveryWebhookPolicy = { ...OPS_WEBHOOK_RETRY, disableAfterFailures: 50 };

/** Test-only overrides, as strings from the environment (vars). */
export interface DeliveryWebhookPolicyVars {
  DELIVERY_WEBHOOK_RETRY_BASE_MS?: string;
  DELIVERY_WEBHOOK_MAX_ATTEMPTS?: string;
  DELIVERY_WEBHOOK_DISABLE_AFTER?: string;
}

const positiveInt = (value: string | undefined): number | undefined => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
};

/**
 * The policy in force: the defaults, with the vars' overrides only in a relaxed environment
 * (end-to-end tests shorten the backoff and the failure limit), so a stray variable in a
 * deployed config changes nothing.
 */
export function deliveryWebhookPolicy(environment: string | undefined, vars: DeliveryWebhookPolicyVars): DeliveryWebhookPolicy {
  if (!isRelaxedEnvironment(environment)) return DEFAULT_POLICY;
  return {
    ...DEFAULT_POLICY,
    baseMs: positiveInt(vars.DELIVERY_WEBHOOK_RETRY_BASE_MS) ?? DEFAULT_POLICY.baseMs,
    maxAttempts: positiveInt(vars.DELIVERY_WEBHOOK_MAX_ATTEMPTS) ?? DEFAULT_POLICY.maxAttempts,
    disableAfterFailures: positiveInt(vars.DELIVERY_WEBHOOK_DISABLE_AFTER) ?? DEFAULT_POLICY.disableAfterFailures,
  };
}

/** A subscription as the sender sees it (no secret needed to decide). */
interface Subscriber {
  id: string;
  enabled: boolean;
  events: readonly string[];
}

/** The subscriptions an event goes to: enabled ones whose filter names its type. */
export function subscribersOf<S extends Subscriber>(type: DeliveryEventType, subscriptions: readonly S[]): S[] {
  return subscriptions.filter((s) => s.enabled && s.events.includes(type));
}

/** One send's outcome, for the subscription's failure count. */
export interface SendOutcome {
  subscriptionId: string;
  /** null: the receiver took it (2xx). */
  error: string | null;
}

/** How one run of sends changes a subscription's count of failures in a row. */
export interface FailureCountChange {
  subscriptionId: string;
  /** A send succeeded: the count starts again from 0, then adds `failures`. */
  reset: boolean;
  /** Failures after the run's last success (or all of them, if none succeeded). */
  failures: number;
  lastError: string | null;
}

/**
 * Folds a run's outcomes (in the order they completed) into one change per subscription: a
 * success resets the count, each failure after the last success adds one.
 */
export function failureCountChanges(outcomes: readonly SendOutcome[]): FailureCountChange[] {
  const changes = new Map<string, FailureCountChange>();
  for (const { subscriptionId, error } of outcomes) {
    const change = changes.get(subscriptionId) ?? { subscriptionId, reset: false, failures: 0, lastError: null };
    if (error === null) changes.set(subscriptionId, { subscriptionId, reset: true, failures: 0, lastError: null });
    else changes.set(subscriptionId, { ...change, failures: change.failures + 1, lastError: error });
  }
  return [...changes.values()];
}

/** Shown on a subscription the service disabled. */
export function autoDisableReason(limit: number, lastError: string): string {
  return `disabled after ${limit} failed sends in a row (last: ${lastError.slice(0, 200)})`;
}
