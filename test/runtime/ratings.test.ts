/**
 * The customer's rating (docs/api.md "Ratings"): POST /v2/orders/:orderId/rating?token=<tracking
 * token>, once the delivery is delivered (409 before, 409 the second time), the same 401 for a
 * missing or wrong token whether the order exists or not, 400 for a bad body; audited as
 * delivery_rated; the tracking view then shows the rating.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Client, json, newOrg, send } from "../helpers/api";
import { expectError, expectValidationError } from "../helpers/expect-error";
import { ok } from "../helpers/zone-object";

type Org = Awaited<ReturnType<typeof newOrg>>;

const rate = (orderId: string, token: string | undefined, body: unknown) =>
  send("POST", `/orders/${encodeURIComponent(orderId)}/rating${token === undefined ? "" : `?token=${encodeURIComponent(token)}`}`, undefined, body);

/** A delivery taken by a driver and moved along to `until` (by that driver). */
async function deliveryUpTo(o: Org, until: "assigned" | "delivered") {
  const driver = await o.addDriver({ location: { lat: 12.96, lon: 77.61 } });
  await ok(driver.client.post(`/drivers/${driver.id}/availability/resume`));
  const delivery = await o.addDelivery();
  const [offer] = (await ok(driver.client.get(`/drivers/${driver.id}/offers?status=PENDING`))).offers;
  await ok(driver.client.post(`/drivers/${driver.id}/offers/${offer.id}/accept`, {}));
  if (until === "delivered") {
    for (const status of ["picked_up", "in_transit", "delivered"]) {
      await ok(driver.client.post(`/drivers/${driver.id}/deliveries/${delivery.id}/status`, { status }));
    }
  }
  return { delivery, driver: driver as { id: string; client: Client } };
}

describe("rating a delivery", () => {
  it("201 once delivered, with the rating in the tracking view and the audit trail; 409 the second time", async () => {
    const o = await newOrg({ escalationSeconds: [86_400, 172_800, 259_200] });
    const { delivery, driver } = await deliveryUpTo(o, "delivered");
    const answer = await ok(rate(delivery.orderId, delivery.trackingToken, { rating: 4, comment: "  friendly  " }), 201);
    expect(answer).toEqual({ orderId: delivery.orderId, rating: 4, ratedAt: expect.any(String) });
    const view = await ok(send("GET", `/orders/${delivery.orderId}/delivery-status?token=${delivery.trackingToken}`));
    expect(view.rating).toEqual({ rating: 4, ratedAt: answer.ratedAt });
    const again = await expectError(await rate(delivery.orderId, delivery.trackingToken, { rating: 5 }), 409);
    expect(again.message).toBe("Delivery is already rated");
    const audit = await ok(o.ops.get(`/admin/deliveries/${delivery.id}/audit`));
    expect(audit.events.at(-1)).toMatchObject({ eventType: "delivery_rated", actorType: "customer", details: { rating: 4, comment: "friendly", driverId: driver.id } });
    expect(audit.events.filter((e: { eventType: string }) => e.eventType === "delivery_rated")).toHaveLength(1);
    expect((await ok(o.ops.get(`/drivers/${driver.id}/performance`))).metrics.customerRating).toBe(4);
  });

  it("409 before the delivery is delivered", async () => {
    const o = await newOrg({ escalationSeconds: [86_400, 172_800, 259_200] });
    const { delivery } = await deliveryUpTo(o, "assigned");
    const refused = await expectError(await rate(delivery.orderId, delivery.trackingToken, { rating: 5 }), 409);
    expect(refused.message).toMatch(/^Delivery is assigned; only a delivered delivery can be rated$/);
  });

  it("the same 401 for a missing, wrong or another order's token, and for an order that does not exist", async () => {
    const o = await newOrg({ escalationSeconds: [86_400, 172_800, 259_200] });
    const { delivery } = await deliveryUpTo(o, "delivered");
    const other = await o.addDelivery();
    const messages: string[] = [];
    for (const [orderId, token] of [
      [delivery.orderId, "A".repeat(43)],
      [delivery.orderId, other.trackingToken],
      ["NO-SUCH-ORDER", delivery.trackingToken],
      ["NO-SUCH-ORDER", "A".repeat(43)],
    ] as const) {
      const refused = await expectError(await rate(orderId, token, { rating: 5 }), 401);
      messages.push(`${refused.error}: ${refused.message}`);
    }
    expect(new Set(messages)).toEqual(new Set(["Unauthorized: Unauthorized: invalid or expired tracking token"]));
    await expectError(await rate(delivery.orderId, undefined, { rating: 5 }), 401);
    // An org token alone rates nothing: only the customer's link may.
    await expectError(await o.admin.post(`/orders/${delivery.orderId}/rating`, { rating: 5 }), 401);
    // Nothing was recorded by any of these.
    expect((await ok(rate(delivery.orderId, delivery.trackingToken, { rating: 3 }), 201)).rating).toBe(3);
  });

  it("400 for a rating outside 1–5, a fraction, a long comment or an unknown field", async () => {
    const o = await newOrg({ escalationSeconds: [86_400, 172_800, 259_200] });
    const { delivery } = await deliveryUpTo(o, "delivered");
    const cases: [unknown, string][] = [
      [{ rating: 0 }, "body.rating"],
      [{ rating: 6 }, "body.rating"],
      [{ rating: 4.5 }, "body.rating"],
      [{ rating: "5" }, "body.rating"],
      [{}, "body.rating"],
      [{ rating: 5, comment: "x".repeat(501) }, "body.comment"],
      [{ rating: 5, stars: 5 }, "body.stars"],
    ];
    for (const [body, path] of cases) await expectValidationError(await rate(delivery.orderId, delivery.trackingToken, body), path);
    const notJson = await exports.default.fetch(
      new Request(`https://dispatch.test/v2/orders/${delivery.orderId}/rating?token=${delivery.trackingToken}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" }),
    );
    await expectValidationError(notJson, "body");
    expect((await json(await rate(delivery.orderId, delivery.trackingToken, { rating: 5, comment: "x".repeat(500) }))).rating).toBe(5);
  });
});
