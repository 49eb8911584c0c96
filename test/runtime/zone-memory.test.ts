import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import { newOrg } from "../helpers/api";
import { newDelivery } from "../helpers/new-delivery";
import { ok, zoneObject } from "../helpers/zone-object";

/*
 * A zone's memory holds its live working set only: 2,000 deliveries run through their whole
 * life (offered, accepted, picked up, in transit, delivered; every fifth cancelled instead) in
 * one zone object, then every in-memory structure is checked against what is still live. The
 * decisions are called on the object directly, so this takes seconds, not minutes.
 */

const DELIVERIES = 2_000;
const DRIVERS = 10;
const SERVICE = { type: "service" as const, id: null };


describe("zone memory", () => {
  it(`after ${DELIVERIES} deliveries through their whole life, holds only what is live`, { timeout: 120_000 }, async () => {
    const o = await newOrg({ escalationSeconds: [86_400, 172_800, 259_200], offlineAfterSeconds: 86_400 });
    for (let i = 0; i < DRIVERS; i++) {
      const d = await o.addDriver({ location: { lat: 12.96, lon: 77.61 } });
      await ok(d.client.post(`/drivers/${d.id}/availability/resume`));
    }

    const outcome = await runInDurableObject(zoneObject(o), async (zone: ZoneDispatcher) => {
      const decide = (name: Parameters<ZoneDispatcher["decide"]>[1], input: unknown) => {
        const result = (zone as any).decideNow(o.org, name, input);
        if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
        return result.value;
      };
      const state = zone["state"];
      let delivered = 0;
      let cancelled = 0;
      let lastId = "";
      for (let i = 0; i < DELIVERIES; i++) {
        const delivery = newDelivery(crypto.randomUUID(), `MEM-${i}`);
        lastId = delivery.id;
        decide("createDelivery", { delivery, actor: SERVICE });
        if (i % 5 === 4) {
          decide("cancelDelivery", { deliveryId: delivery.id, reason: "customer changed mind", actor: SERVICE });
          cancelled++;
          continue;
        }
        const [offerId] = state.pendingByDelivery.get(delivery.id) ?? [];
        if (!offerId) throw new Error(`delivery ${i} was offered to nobody`);
        const { driverId } = state.offers.get(offerId)!;
        decide("acceptOffer", { driverId, offerId });
        for (const status of ["picked_up", "in_transit", "delivered"] as const) {
          decide("reportDeliveryStatus", { driverId, deliveryId: delivery.id, status, reason: null });
        }
        delivered++;
      }
      return {
        delivered,
        cancelled,
        sizes: {
          deliveries: state.deliveries.size,
          offers: state.offers.size,
          assignments: state.assignments.size,
          tracking: state.tracking.size,
          ready: state.readyTally.waiting,
          readyMinutes: state.readyTally.neverAssigned.size,
          waiting: state.waiting.size,
          pendingByDriver: state.pendingByDriver.size,
          pendingByDelivery: state.pendingByDelivery.size,
          activeByDriver: state.activeByDriver.size,
          departed: state.departed.size,
        },
        drivers: state.drivers.size,
        available: state.driverCounts.available,
        timerKinds: [...new Set([...state.timers.values()].map((t) => t.kind))],
        waitBuckets: state.health.waits.length,
        streams: zone["stream"].cachedStreams,
        // An ended delivery is still read back, from storage.
        lastStatus: zone["state"].archive.delivery(lastId)?.status,
      };
    });

    expect(outcome.delivered + outcome.cancelled).toBe(DELIVERIES);
    expect(outcome.sizes).toEqual({
      deliveries: 0,
      offers: 0,
      assignments: 0,
      tracking: 0,
      ready: 0,
      readyMinutes: 0,
      waiting: 0,
      pendingByDriver: 0,
      pendingByDelivery: 0,
      activeByDriver: 0,
      departed: 0,
    });
    expect(outcome.drivers).toBe(DRIVERS);
    expect(outcome.available).toBe(DRIVERS);
    // No timer per delivery or offer is left: at most the zone-wide silence check.
    expect(outcome.timerKinds.every((kind) => kind === "liveness")).toBe(true);
    // One bucket per creation minute of the last hour, whatever the traffic.
    expect(outcome.waitBuckets).toBeLessThanOrEqual(61);
    // Stream seqs of the drivers and ops only: every ended delivery's customer stream was dropped.
    expect(outcome.streams).toBeLessThanOrEqual(DRIVERS + 1);
    expect(outcome.lastStatus).toBe("cancelled");
    // Reads of ended deliveries still answer, from the zone's storage.
    const delivered = await ok(o.ops.get(`/admin/zones/${o.zone.id}`));
    expect(delivered.health).toMatchObject({ pendingDeliveries: 0, activeDeliveries: 0, pendingOffers: 0 });
  });
});
