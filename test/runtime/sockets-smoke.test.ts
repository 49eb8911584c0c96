import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { json, newOrg } from "../helpers/api";

function nextMessage(ws: WebSocket): Promise<any> {
  return new Promise((resolve) => ws.addEventListener("message", (e) => resolve(JSON.parse(e.data as string)), { once: true }));
}

describe("driver socket", () => {
  it("receives offer_created when a delivery is created, and accepts over the socket", async () => {
    const o = await newOrg();
    const d = await o.addDriver();
    await d.client.post(`/drivers/${d.id}/availability/resume`);
    const res = await exports.default.fetch(
      new Request(`https://dispatch.test/v2/drivers/${d.id}/ws`, {
        headers: { Upgrade: "websocket", Authorization: `Bearer ${d.client.token}` },
      }),
    );
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    ws.accept();
    const received: any[] = [];
    ws.addEventListener("message", (e) => received.push(JSON.parse(e.data as string)));
    const delivery = await o.addDelivery();
    await new Promise((r) => setTimeout(r, 50));
    const offer = received.find((m) => m.type === "offer_created");
    expect(offer).toMatchObject({ deliveryId: delivery.id, seq: expect.any(Number), eventId: expect.any(String) });
    const ack = nextMessage(ws);
    ws.send(JSON.stringify({ type: "accept_offer", offerId: offer.offerId }));
    await new Promise((r) => setTimeout(r, 50));
    expect(received.find((m) => m.type === "ack")).toMatchObject({ for: "accept_offer", ok: true });
    void ack;
    expect((await json(await o.admin.get(`/admin/deliveries/${delivery.id}`))).status).toBe("assigned");
    ws.close();
  });
});
