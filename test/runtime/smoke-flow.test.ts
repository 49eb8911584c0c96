import { describe, expect, it } from "vitest";
import { json, newOrg } from "../helpers/api";

describe("zone → driver → delivery", () => {
  it("creates and reads back", async () => {
    const { admin, addDriver, addDelivery, zone } = await newOrg();
    const driver = await addDriver();
    expect(driver.availability).toBe("offline");
    const delivery = await addDelivery({ dispatch: "manual" });
    expect(delivery.status).toBe("ready");
    expect(delivery.zoneId).toBe(zone.id);
    const read = await admin.get(`/admin/deliveries/${delivery.id}`);
    expect(read.status).toBe(200);
    const audit = await json(await admin.get(`/admin/deliveries/${delivery.id}/audit`));
    expect(audit.events.map((e: any) => e.eventType)).toEqual(["created"]);
  });
});
