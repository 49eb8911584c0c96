import { describe, expect, it } from "vitest";
import { json, newOrg } from "../helpers/api";

describe("automatic dispatch", () => {
  it("offers a new delivery to the nearby available driver, who accepts it", async () => {
    const { admin, addDriver, addDelivery } = await newOrg();
    const driver = await addDriver();
    expect((await driver.client.post(`/drivers/${driver.id}/availability/resume`)).status).toBe(200);
    const delivery = await addDelivery();
    const offers = await json(await driver.client.get(`/drivers/${driver.id}/offers?status=PENDING`));
    expect(offers.offers).toHaveLength(1);
    expect(offers.offers[0].deliveryId).toBe(delivery.id);
    const accept = await driver.client.post(`/drivers/${driver.id}/offers/${offers.offers[0].id}/accept`, {});
    expect(accept.status).toBe(200);
    const accepted = await json(accept);
    expect(accepted).toMatchObject({ success: true, deliveryId: delivery.id, driverId: driver.id });
    const detail = await json(await admin.get(`/admin/deliveries/${delivery.id}`));
    expect(detail.status).toBe("assigned");
    expect(detail.assignment).toMatchObject({ id: accepted.assignmentId, status: "ACTIVE", driverId: driver.id });
    expect((await json(await admin.get(`/drivers/${driver.id}`))).availability).toBe("busy");
    const audit = await json(await admin.get(`/admin/deliveries/${delivery.id}/audit`));
    expect(audit.events.map((e: { eventType: string }) => e.eventType)).toEqual([
      "created",
      "assignment_started",
      "driver_candidates_found",
      "offer_created",
      "offer_accepted",
      "driver_assigned",
    ]);
  });
});
