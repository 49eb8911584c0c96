import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ErrorBody } from "../../src/contracts/errors";
import { createApp } from "../../src/worker/app";
import { routes } from "../../src/worker/routes";
import { json, newOrg } from "../helpers/api";
import { anyJson, bodyEncoding, mutated, queryString, rawBody, segment } from "../helpers/fuzz-inputs";
import { mintToken, unsignedToken } from "../helpers/tokens";

/*
 * Bounded HTTP fuzz of every route: random methods, path segments, queries, bodies, content
 * types and tokens of every role (valid and broken) against the real Worker, over a seeded org
 * (a zone, drivers, deliveries, an offer) so that some requests reach the zones' rules. No answer
 * may be a 5xx, and every other non-2xx answer is the contract's error body (ErrorBody).
 *
 * Reproduce a failure: fast-check prints `seed` and `path`; run
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run --project runtime test/runtime/fuzz.test.ts
 * (the seeded org's ids are fresh each run, so a replay hits the same routes with new ids).
 */

const REQUESTS = 2000;

/** What the fuzz can put in a request: the seeded org's ids and the tokens of its callers. */
interface Seed {
  zoneIds: string[];
  driverIds: string[];
  deliveryIds: string[];
  offerIds: string[];
  recordIds: string[];
  subscriptionIds: string[];
  orderIds: string[];
  trackingTokens: string[];
  /** Authorization headers of the org's callers (each role) and of a stranger org's admin. */
  validAuthorizations: string[];
  /** Expired, forged, unsigned, malformed or missing credentials. */
  brokenAuthorizations: (string | undefined)[];
}

/** The seed's lists of ids, the pools path parameters draw real values from. */
type IdPool = Exclude<keyof Seed, "validAuthorizations" | "brokenAuthorizations" | "trackingTokens">;
/** Which pool each path parameter draws from. */
const PARAM_POOL: Record<string, IdPool> = {
  zoneId: "zoneIds",
  id: "driverIds",
  deliveryId: "deliveryIds",
  offerId: "offerIds",
  orderId: "orderIds",
  deadLetterId: "recordIds",
};

interface FuzzRoute {
  method: string;
  path: string;
  /** Where `:id` comes from when it is not a driver. */
  idPool?: IdPool;
  query?: string[];
  /** A valid body for the seeded org, which the fuzz then mutates. */
  body?: (seed: Seed) => Record<string, unknown>;
}

const point = { lat: 12.96, lon: 77.61 };
/** Subscriptions the fuzz makes point at the local test receiver, so their sends stay on the machine. */
const receiverHook = `${env.WEBHOOK_RECEIVER_URL}/hooks/fuzz`;
const square = { type: "Polygon", coordinates: [[[77.5, 12.9], [77.7, 12.9], [77.7, 13], [77.5, 13], [77.5, 12.9]]] };

/** Every route of the API (relative to /v2, except health); a route missing here fails the coverage test. */
const FUZZED: FuzzRoute[] = [
  { method: "GET", path: "/v2/health" },
  { method: "GET", path: "/v2/openapi.json" },
  { method: "GET", path: "/v2/asyncapi.json" },
  { method: "POST", path: "/v2/admin/zones", body: () => ({ name: "Fuzz zone", polygon: square }) },
  { method: "GET", path: "/v2/admin/zones" },
  { method: "GET", path: "/v2/admin/zones/:zoneId" },
  { method: "GET", path: "/v2/admin/zones/:zoneId/board" },
  { method: "PATCH", path: "/v2/admin/zones/:zoneId/settings", body: () => ({ offerTimeoutSeconds: 30, escalationSeconds: [60, 120, 180] }) },
  { method: "GET", path: "/v2/admin/zones/:zoneId/ws", query: ["since"] },
  {
    method: "POST",
    path: "/v2/admin/drivers",
    body: (s) => ({ name: "Fuzz", phone: "+919800000009", vehicle: "Activa", vehicleType: "scooter", zoneId: s.zoneIds[0], location: point }),
  },
  { method: "GET", path: "/v2/drivers", query: ["zoneId", "availability", "limit"] },
  { method: "GET", path: "/v2/drivers/:id" },
  { method: "GET", path: "/v2/drivers/:id/performance", query: ["period"] },
  { method: "PATCH", path: "/v2/admin/drivers/:id", body: () => ({ vehicleType: "car", capabilities: ["fragile"] }) },
  { method: "PUT", path: "/v2/drivers/:id/zone-preferences", body: (s) => ({ preferences: [{ zoneId: s.zoneIds[0], preference: "PREFERRED" }] }) },
  { method: "POST", path: "/v2/drivers/:id/location", body: () => ({ ...point, accuracy: 5, heading: 90, speed: 3 }) },
  { method: "POST", path: "/v2/admin/drivers/:id/pause", body: () => ({ reason: "fuzz" }) },
  { method: "POST", path: "/v2/admin/drivers/:id/unpause", body: () => ({}) },
  { method: "POST", path: "/v2/drivers/:id/availability/take-break", body: () => ({ durationMinutes: 15 }) },
  { method: "POST", path: "/v2/drivers/:id/availability/end-shift", body: () => ({}) },
  { method: "POST", path: "/v2/drivers/:id/availability/resume", body: () => ({}) },
  { method: "GET", path: "/v2/drivers/:id/availability/history", query: ["limit", "from", "to"] },
  { method: "GET", path: "/v2/drivers/:id/ws", query: ["since"] },
  {
    method: "POST",
    path: "/v2/deliveries",
    body: () => ({ sellerOrderId: `fz-${crypto.randomUUID().slice(0, 8)}`, storeName: "Fuzz Store", pickup: point, dropoff: { lat: 12.98, lon: 77.63 } }),
  },
  { method: "GET", path: "/v2/admin/deliveries/:id", idPool: "deliveryIds" },
  { method: "GET", path: "/v2/admin/deliveries/:id/audit", idPool: "deliveryIds" },
  { method: "POST", path: "/v2/admin/deliveries/:id/reassign", idPool: "deliveryIds", body: (s) => ({ driverId: s.driverIds[0] }) },
  { method: "POST", path: "/v2/deliveries/:id/cancel", idPool: "deliveryIds", body: () => ({ reason: "fuzz" }) },
  { method: "POST", path: "/v2/admin/deliveries/:id/cancel", idPool: "deliveryIds", body: () => ({ reason: "fuzz" }) },
  { method: "POST", path: "/v2/drivers/:id/deliveries/:deliveryId/release", body: () => ({ reason: "fuzz" }) },
  { method: "POST", path: "/v2/drivers/:id/deliveries/:deliveryId/status", body: () => ({ status: "picked_up" }) },
  { method: "POST", path: "/v2/deliveries/:id/offers", idPool: "deliveryIds", body: (s) => ({ driverId: s.driverIds[0], expiresInSeconds: 60 }) },
  { method: "GET", path: "/v2/drivers/:id/offers", query: ["status"] },
  { method: "POST", path: "/v2/drivers/:id/offers/:offerId/accept", body: () => ({}) },
  { method: "POST", path: "/v2/drivers/:id/offers/:offerId/reject", body: () => ({ reason: "too_far" }) },
  { method: "GET", path: "/v2/orders/:orderId/delivery-status", query: ["token"] },
  { method: "GET", path: "/v2/orders/:orderId/ws", query: ["token", "since"] },
  { method: "POST", path: "/v2/orders/:orderId/rating", query: ["token"], body: () => ({ rating: 4, comment: "fuzz" }) },
  { method: "GET", path: "/v2/admin/reports/earnings", query: ["from", "to", "zoneId"] },
  { method: "GET", path: "/v2/admin/reports/dispatch", query: ["from", "to", "zoneId"] },
  { method: "GET", path: "/v2/admin/unassigned-orders", query: ["escalationLevel", "failureReason", "zoneId", "limit"] },
  { method: "POST", path: "/v2/admin/unassigned-orders/:id/escalate", idPool: "recordIds", body: () => ({ level: 2, reason: "fuzz" }) },
  { method: "POST", path: "/v2/admin/escalation/check", body: () => ({}) },
  { method: "GET", path: "/v2/admin/support-tickets", query: ["status", "limit"] },
  { method: "POST", path: "/v2/admin/support-tickets/:id/resolve", idPool: "recordIds", body: () => ({ resolution: "fuzz" }) },
  { method: "GET", path: "/v2/admin/settings" },
  { method: "PATCH", path: "/v2/admin/settings", body: () => ({ opsWebhookUrl: "https://ops.example.com/hook", opsWebhookSecret: "a-long-random-shared-secret" }) },
  { method: "GET", path: "/v2/admin/webhooks/dead-letters", query: ["limit"] },
  { method: "POST", path: "/v2/admin/webhooks/dead-letters/:id/retry", idPool: "recordIds", body: () => ({}) },
  { method: "POST", path: "/v2/admin/webhooks/subscriptions", body: () => ({ url: receiverHook, secret: "a-long-random-shared-secret", events: ["delivery.created"] }) },
  { method: "GET", path: "/v2/admin/webhooks/subscriptions" },
  { method: "GET", path: "/v2/admin/webhooks/subscriptions/:id", idPool: "subscriptionIds" },
  { method: "PATCH", path: "/v2/admin/webhooks/subscriptions/:id", idPool: "subscriptionIds", body: () => ({ enabled: true, events: ["delivery.delivered"] }) },
  { method: "DELETE", path: "/v2/admin/webhooks/subscriptions/:id", idPool: "subscriptionIds" },
  { method: "POST", path: "/v2/admin/webhooks/subscriptions/:id/test", idPool: "subscriptionIds", body: () => ({}) },
  { method: "GET", path: "/v2/admin/webhooks/subscriptions/:id/dead-letters", idPool: "subscriptionIds", query: ["limit"] },
  { method: "POST", path: "/v2/admin/webhooks/subscriptions/:id/dead-letters/:deadLetterId/retry", idPool: "subscriptionIds", body: () => ({}) },
  { method: "GET", path: "/v2/admin/metrics" },
];

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

interface FuzzRequest {
  route: FuzzRoute;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** One request aimed at `route`: mostly its own method and shape, each part possibly wrong. */
function requestFor(route: FuzzRoute, seed: Seed): fc.Arbitrary<FuzzRequest> {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const params = fc.tuple(...names.map((name) => segment(seed[name === "id" && route.idPool ? route.idPool : PARAM_POOL[name]!])));
  const tracking = route.path.startsWith("/v2/orders/") ? fc.constantFrom(...seed.trackingTokens.map((t) => `?token=${t}`)) : fc.constant("");
  const query = fc.oneof(queryString(route.query ?? []), tracking);
  const payload = route.body ? mutated(route.body(seed)) : fc.option(anyJson, { nil: undefined });
  return fc
    .record({
      params,
      query,
      method: fc.oneof({ weight: 9, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
      // Mostly valid tokens, so most requests get past auth into validation and the zones.
      authorization: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...seed.validAuthorizations) },
        { weight: 1, arbitrary: fc.constantFrom(...seed.brokenAuthorizations) },
      ),
      payload,
      encoding: bodyEncoding,
      raw: rawBody,
      upgrade: fc.boolean(),
      idempotencyKey: fc.option(fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom("", " ", "key-1")), { freq: 4 }),
    })
    .map(({ params, query, method, authorization, payload, encoding, raw, upgrade, idempotencyKey }) => {
      let path = route.path;
      names.forEach((name, i) => (path = path.replace(`:${name}`, params[i]!)));
      const headers: Record<string, string> = {};
      if (authorization !== undefined) headers.authorization = authorization;
      if (encoding.contentType !== null) headers["content-type"] = encoding.contentType;
      if (idempotencyKey !== null) headers["idempotency-key"] = idempotencyKey;
      if (upgrade && route.path.endsWith("/ws")) headers.upgrade = "websocket";
      const hasBody = method !== "GET" && method !== "OPTIONS" && (encoding.raw || payload !== undefined);
      const body = hasBody ? (encoding.raw ? raw : JSON.stringify(payload)) : undefined;
      return { route, method, url: `https://dispatch.test${path}${query}`, headers, ...(body === undefined ? {} : { body }) };
    });
}

const describeRequest = (r: FuzzRequest) =>
  `${r.method} ${r.url} headers=${JSON.stringify(r.headers)} body=${r.body === undefined ? "-" : JSON.stringify(r.body.slice(0, 300))}`;

async function seedOrg(): Promise<Seed> {
  const org = await newOrg({ dispatchMode: "sequential" });
  const near = await org.addDriver();
  const other = await org.addDriver({ location: { lat: 12.99, lon: 77.65 } });
  const resumed = await near.client.post(`/drivers/${near.id}/availability/resume`, {});
  if (resumed.status !== 200) throw new Error(`resume failed: ${resumed.status}`);
  const offered = await org.addDelivery();
  const waiting = await org.addDelivery({ dispatch: "manual" });
  const offers = await json<{ offers?: { id: string }[] } | { id: string }[]>(await near.client.get(`/drivers/${near.id}/offers`));
  const offerIds = (Array.isArray(offers) ? offers : (offers.offers ?? [])).map((o) => o.id);
  const subscription = await json<{ id: string }>(await org.admin.post("/admin/webhooks/subscriptions", { url: receiverHook, secret: "a-long-random-shared-secret" }));
  const stranger = await mintToken({ role: "admin", org: crypto.randomUUID() });
  const valid = await Promise.all(
    [
      { role: "admin" },
      { role: "ops" },
      { role: "service" },
      { role: "driver", sub: near.id },
      { role: "driver", sub: other.id },
    ].map((t) => mintToken({ ...t, org: org.org })),
  );
  const broken = await Promise.all([
    mintToken({ role: "admin", org: org.org, expSeconds: -60 }),
    mintToken({ role: "admin", org: org.org, secret: "not-the-secret" }),
    mintToken({ role: "root", org: org.org }),
    mintToken({ role: "admin", org: org.org, omit: ["role"] }),
    mintToken({ role: "admin", org: "not-a-uuid" }),
    mintToken({ role: "admin", org: org.org, aud: "elsewhere" }),
  ]);
  return {
    zoneIds: [org.zone.id],
    driverIds: [near.id, other.id],
    deliveryIds: [offered.id, waiting.id],
    offerIds: offerIds.length > 0 ? offerIds : [crypto.randomUUID()],
    recordIds: [crypto.randomUUID()],
    subscriptionIds: [subscription.id],
    orderIds: [offered.orderId, waiting.orderId],
    trackingTokens: [offered.trackingToken, waiting.trackingToken, "forged-token"],
    validAuthorizations: [...valid, stranger].map((t) => `Bearer ${t}`),
    brokenAuthorizations: [
      ...broken.map((t) => `Bearer ${t}`),
      `Bearer ${unsignedToken({ role: "admin", org: org.org })}`,
      "Bearer not.a.jwt",
      "Bearer ",
      "Basic YWRtaW46YWRtaW4=",
      undefined,
    ],
  };
}

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

describe("HTTP fuzz", () => {
  let seed: Seed;
  beforeAll(async () => {
    seed = await seedOrg();
  }, 30_000);

  it("lists every route the app registers", () => {
    const registered = new Set(createApp(routes).routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`));
    expect(new Set(FUZZED.map((r) => `${r.method} ${r.path}`))).toEqual(registered);
  });

  it("answers every request without a 5xx, and every error in the contract's shape", async () => {
    const byClass = new Map<string, number>();
    const byStatus = new Map<number, number>();
    const byRoute = new Map<string, number>();
    let sent = 0;
    const request = fc.constantFrom(...FUZZED).chain((route) => requestFor(route, seed));
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const res = await exports.default.fetch(new Request(r.url, { method: r.method, headers: r.headers, body: r.body }));
        sent++;
        byClass.set(statusClass(res.status), (byClass.get(statusClass(res.status)) ?? 0) + 1);
        byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
        byRoute.set(`${r.route.method} ${r.route.path}`, (byRoute.get(`${r.route.method} ${r.route.path}`) ?? 0) + 1);
        if (res.status === 101) {
          res.webSocket!.accept();
          res.webSocket!.close(1000, "fuzz");
          return;
        }
        const text = await res.text();
        if (res.status >= 500) throw new Error(`${res.status} for ${describeRequest(r)}: ${text}`);
        if (res.status < 300) return;
        const parsed = ErrorBody.safeParse(JSON.parse(text || "null"));
        if (!parsed.success || parsed.data.statusCode !== res.status) {
          throw new Error(`${res.status} with a body outside the error contract for ${describeRequest(r)}: ${text.slice(0, 500)}`);
        }
      }),
      {
        numRuns: REQUESTS,
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined,
        path: process.env.FUZZ_PATH,
      },
    );
    const tally = (m: Map<string | number, number>) => [...m].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([k, v]) => `${k}=${v}`).join(" ");
    console.log(`fuzz: ${sent} requests; ${tally(byClass)}; by status ${tally(byStatus)}`);
    expect(sent).toBeGreaterThanOrEqual(REQUESTS);
    // Every route got its share, and some requests got past auth and validation.
    for (const route of FUZZED) expect(byRoute.get(`${route.method} ${route.path}`) ?? 0, route.path).toBeGreaterThanOrEqual(15);
    expect(byClass.get("2xx") ?? 0).toBeGreaterThan(100);
  }, 120_000);
});
