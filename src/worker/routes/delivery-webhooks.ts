import { type Context, Hono } from "hono";
import { z } from "zod";
import { EmptyBody } from "../../contracts/common";
import {
  SubscriptionCreate,
  SubscriptionDeadLetterParams,
  SubscriptionDeadLetterView,
  SubscriptionDeadLettersQuery,
  SubscriptionParams,
  SubscriptionPatch,
  SubscriptionView,
  TestSendResult,
} from "../../contracts/delivery-webhooks";
import { webhookUrl } from "../../contracts/ops-settings";
import { MAX_SUBSCRIPTIONS_PER_ORG } from "../../domain/delivery-webhook-policy";
import { isRelaxedEnvironment } from "../../domain/environment";
import { postEvent } from "../../durable-objects/delivery-targets";
import type { AppEnv } from "../app-env";
import { conflict, notFound } from "../http-error";
import { allow } from "../middleware/authorize";
import { describe } from "../route-spec";
import { body, check, params, query } from "../validation";
import {
  createSubscription,
  deleteSubscription,
  findSubscription,
  findSubscriptionDeadLetter,
  forgetSubscriptionDeadLetter,
  listSubscriptionDeadLetters,
  listSubscriptions,
  subscriptionDeadLetterView,
  subscriptionView,
  updateSubscription,
} from "../webhook-subscriptions";
import { unwrap, zoneStub } from "../zone-client";
import { listZones } from "../zone-registry";

const BASE = "/admin/webhooks/subscriptions";
const TAG = "Webhooks";

/** The production address rules on a URL the (environment-blind) body schema let through. */
function checkUrlForEnvironment(url: string | undefined, environment: string | undefined): void {
  if (url !== undefined) check(z.object({ url: webhookUrl(!isRelaxedEnvironment(environment)) }), { url }, "body");
}

async function requireSubscription(db: D1Database, orgId: string, id: string) {
  const row = await findSubscription(db, orgId, id);
  if (!row) throw notFound("Subscription not found");
  return row;
}

/** Every zone of the org reads the subscriptions afresh, so a change applies to the next event. */
async function tellZones(c: Context<AppEnv>, org: string): Promise<void> {
  const zones = await listZones(c.env.DB, org);
  await Promise.all(zones.map(async (zone) => unwrap(await zoneStub(c.env, org, zone.id).subscriptionsChanged(org))));
}

/** The order service's delivery webhooks: subscriptions, a test send, dead letters (docs/api-notes.md "Delivery webhooks"). */
export const deliveryWebhookRoutes = new Hono<AppEnv>()
  .post(BASE, describe({ summary: "Subscribe a URL to delivery events", tag: TAG, answers: { 201: { description: "The subscription (the secret is never shown)", schema: SubscriptionView } } }), body(SubscriptionCreate), allow("admin"), async (c) => {
    const input = c.req.valid("json");
    checkUrlForEnvironment(input.url, c.env.ENVIRONMENT);
    const row = await createSubscription(c.env.DB, c.get("caller").org, input, new Date().toISOString());
    if (!row) throw conflict(`An organization has at most ${MAX_SUBSCRIPTIONS_PER_ORG} webhook subscriptions`);
    await tellZones(c, c.get("caller").org);
    return c.json(subscriptionView(row), 201);
  })
  .get(BASE, describe({ summary: "List the organization's webhook subscriptions", tag: TAG, answers: { 200: { description: "`{ subscriptions }`, oldest first", schema: z.object({ subscriptions: z.array(SubscriptionView) }) } } }), query(z.strictObject({})), allow("admin"), async (c) => {
    return c.json({ subscriptions: (await listSubscriptions(c.env.DB, c.get("caller").org)).map(subscriptionView) });
  })
  .get(`${BASE}/:id`, describe({ summary: "Read a webhook subscription", tag: TAG, answers: { 200: { description: "The subscription", schema: SubscriptionView } } }), params(SubscriptionParams), allow("admin"), async (c) => {
    return c.json(subscriptionView(await requireSubscription(c.env.DB, c.get("caller").org, c.req.valid("param").id)));
  })
  .patch(`${BASE}/:id`, describe({ summary: "Change a webhook subscription (enabled: true re-enables it)", tag: TAG, answers: { 200: { description: "The subscription", schema: SubscriptionView } } }), params(SubscriptionParams), body(SubscriptionPatch), allow("admin"), async (c) => {
    const patch = c.req.valid("json");
    checkUrlForEnvironment(patch.url, c.env.ENVIRONMENT);
    const row = await requireSubscription(c.env.DB, c.get("caller").org, c.req.valid("param").id);
    const updated = await updateSubscription(c.env.DB, row, patch, new Date().toISOString());
    await tellZones(c, c.get("caller").org);
    return c.json(subscriptionView(updated));
  })
  .delete(`${BASE}/:id`, describe({ summary: "Delete a webhook subscription and its dead letters", tag: TAG, answers: { 204: { description: "Deleted" } } }), params(SubscriptionParams), allow("admin"), async (c) => {
    if (!(await deleteSubscription(c.env.DB, c.get("caller").org, c.req.valid("param").id))) throw notFound("Subscription not found");
    await tellZones(c, c.get("caller").org);
    return c.body(null, 204);
  })
  .post(`${BASE}/:id/test`, describe({ summary: "Send a signed test event to a subscription", tag: TAG, answers: { 200: { description: "What the receiver answered", schema: TestSendResult } } }), params(SubscriptionParams), body(EmptyBody), allow("admin"), async (c) => {
    const row = await requireSubscription(c.env.DB, c.get("caller").org, c.req.valid("param").id);
    const now = Date.now();
    const event = { id: crypto.randomUUID(), type: "webhook.test", createdAt: new Date(now).toISOString(), data: { subscriptionId: row.id } };
    const { status, error } = await postEvent(row, event, !isRelaxedEnvironment(c.env.ENVIRONMENT), now);
    return c.json({ eventId: event.id, delivered: error === null, status, error } satisfies TestSendResult);
  })
  .get(`${BASE}/:id/dead-letters`, describe({ summary: "Delivery events a subscription's receiver refused every attempt", tag: TAG, answers: { 200: { description: "`{ deadLetters }`, newest failure first", schema: z.object({ deadLetters: z.array(SubscriptionDeadLetterView) }) } } }), params(SubscriptionParams), query(SubscriptionDeadLettersQuery), allow("admin"), async (c) => {
    const { org } = c.get("caller");
    const { id } = c.req.valid("param");
    await requireSubscription(c.env.DB, org, id);
    const rows = await listSubscriptionDeadLetters(c.env.DB, org, id, c.req.valid("query").limit);
    return c.json({ deadLetters: rows.map(subscriptionDeadLetterView) });
  })
  .post(
    `${BASE}/:id/dead-letters/:deadLetterId/retry`,
    describe({ summary: "Send a dead-lettered delivery event again", tag: TAG, answers: { 200: { description: "`{ success, id, requeuedAt }`" } } }),
    params(SubscriptionDeadLetterParams),
    body(EmptyBody),
    allow("admin"),
    async (c) => {
      const { org } = c.get("caller");
      const { id, deadLetterId } = c.req.valid("param");
      const subscription = await requireSubscription(c.env.DB, org, id);
      const letter = await findSubscriptionDeadLetter(c.env.DB, org, id, deadLetterId);
      if (!letter) throw notFound("Dead letter not found");
      // It would only come straight back: a disabled subscription's events are dead-lettered.
      if (!subscription.enabled) throw conflict("Subscription is disabled; enable it before retrying its dead letters");
      const { payload } = subscriptionDeadLetterView(letter);
      unwrap(await zoneStub(c.env, org, letter.zoneId).requeueDeliveryEvent(org, id, payload));
      const requeuedAt = new Date().toISOString();
      await forgetSubscriptionDeadLetter(c.env.DB, letter);
      return c.json({ success: true, id: deadLetterId, requeuedAt });
    },
  );
