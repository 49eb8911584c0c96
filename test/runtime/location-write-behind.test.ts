import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newOrg } from "../helpers/api";
import { moveZoneClock, ok, runAlarmNow, zoneObject } from "../helpers/zone-object";

describe("positions are written behind", () => {
  it("keeps the newest position in memory and stores it within 10 s, so it survives an eviction", async () => {
    const o = await newOrg({ offlineAfterSeconds: 3600 });
    const d = await o.addDriver();
    await ok(d.client.post(`/drivers/${d.id}/location`, { lat: 12.9611, lon: 77.6111 }));
    expect((await ok(o.admin.get(`/drivers/${d.id}`))).location).toMatchObject({ lat: 12.9611, lon: 77.6111 });

    // Evicted before the write-behind ran: the stored record still has the old position.
    await evictDurableObject(zoneObject(o));
    expect((await ok(o.admin.get(`/drivers/${d.id}`))).location).toMatchObject({ lat: 12.95, lon: 77.6 });

    await ok(d.client.post(`/drivers/${d.id}/location`, { lat: 12.9622, lon: 77.6122 }));
    await moveZoneClock(o, 11_000);
    await runAlarmNow(o);
    await evictDurableObject(zoneObject(o));
    expect((await ok(o.admin.get(`/drivers/${d.id}`))).location).toMatchObject({ lat: 12.9622, lon: 77.6122 });
  });
});
