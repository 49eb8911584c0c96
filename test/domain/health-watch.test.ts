import { describe, expect, it } from "vitest";
import { ANNOUNCE_EVERY_MS, DRIFT_CHECK_MS } from "../../src/domain/health-watch";
import { newDelivery } from "../helpers/new-delivery";
import { runDecision } from "../../src/domain/zone-commands";
import { type MemoryZone, OPS, SERVICE, T0, driverActor, memoryZone } from "./zone-fixture";

/*
 * The zone looking at its own health after each decision (health-watch.ts), run through the
 * command registry exactly as the zone object runs it.
 */

const healthEvents = (z: MemoryZone) => z.log.events.filter((e) => e.event.type === "zone_health_updated").map((e) => e.event);
const alertEvents = (z: MemoryZone) =>
  z.log.events.filter((e) => e.event.type === "zone_alert" || e.event.type === "zone_alert_cleared").map((e) => e.event);


function onlineDriver(z: MemoryZone, at: number) {
  const driverId = z.newId();
  const profile = { name: "Asha K", phone: "+919876543210", vehicle: "Activa", vehicleType: "scooter" as const, capabilities: [], location: { lat: 12.95, lon: 77.6 } };
  z.command(at, "createDriver", { driverId, profile });
  return z.command(at, "changeAvailability", { driverId, command: "resume", actor: driverActor(driverId) });
}

describe("zone health after each decision", () => {
  it("announces the first figures at once, then at most one change per 5 s, the latest winning", () => {
    const z = memoryZone();
    z.command(T0, "fireDueTimers", {});
    expect(healthEvents(z)).toHaveLength(1);
    expect(healthEvents(z)[0]).toMatchObject({ zoneId: z.zone.id, zoneName: "Central", metrics: { currentDriversOnline: 0, healthScore: 60 } });

    // A burst of 25 drivers coming online (50 decisions) inside the 5 s window.
    for (let i = 0; i < 25; i++) onlineDriver(z, T0 + 100 + i * 100);
    expect(healthEvents(z)).toHaveLength(1);
    expect(z.state.health.announced?.at).toBe(T0);

    // The shell is told when the held-back change is due; at that time the latest state goes out.
    z.command(T0 + ANNOUNCE_EVERY_MS, "fireDueTimers", {});
    expect(healthEvents(z)).toHaveLength(2);
    expect(healthEvents(z)[1]).toMatchObject({ metrics: { currentDriversOnline: 25, demandLevel: 1, healthScore: 100 } });
    // Nothing changed since: looking again announces nothing.
    z.command(T0 + 2 * ANNOUNCE_EVERY_MS, "fireDueTimers", {});
    expect(healthEvents(z)).toHaveLength(2);
  });

  it("tells the shell when to look again: a held-back change, or waits drifting while deliveries wait", () => {
    const z = memoryZone();
    z.command(T0, "fireDueTimers", {});
    const d = newDelivery(z.newId());
    const held = runDecision(z.state, "createDelivery", { delivery: d, actor: SERVICE }, T0 + 1000, { newId: z.newId });
    expect(held.changes.healthDueAt).toBe(T0 + ANNOUNCE_EVERY_MS);
    // A decision that wrote nothing the figures are made of (a sign of life kept in memory) does not look.
    const silent = z.addDriver(T0);
    const quiet = runDecision(z.state, "heardFrom", { driverId: silent.id }, T0 + 1000, { newId: z.newId });
    expect(quiet.changes.drivers.get(silent.id)?.durable).toBe(false);
    expect(quiet.changes.healthDueAt).toBeUndefined();
    z.command(T0 + 1000, "createDelivery", { delivery: d, actor: SERVICE });
    const drift = runDecision(z.state, "fireDueTimers", {}, T0 + ANNOUNCE_EVERY_MS, { newId: z.newId });
    expect(drift.changes.healthDueAt).toBe(T0 + ANNOUNCE_EVERY_MS + DRIFT_CHECK_MS);
  });

  it("counts creation → first assignment into the hour's average, and a waiting delivery's wait so far", () => {
    const z = memoryZone({ dispatchMode: "sequential" });
    const d = newDelivery(z.newId());
    z.command(T0, "createDelivery", { delivery: d, actor: SERVICE });
    // Nobody online: it waits. 120 s later its wait so far is the average.
    z.command(T0 + 120_000, "fireDueTimers", {});
    expect(z.view(T0 + 120_000).health.announced?.figures.avgWaitTimeSeconds).toBe(120);
    const driver = onlineDriver(z, T0 + 180_000);
    const [offer] = z.pendingOffersOf(d.id);
    expect(offer?.driverId).toBe(driver.id);
    z.command(T0 + 190_000, "acceptOffer", { driverId: driver.id, offerId: offer!.id });
    // Assigned 190 s after creation: that wait stays in the window for the hour.
    expect(z.state.health.waits).toEqual([[Math.floor(T0 / 60_000), 190_000, 1]]);
    z.command(T0 + 30 * 60_000, "fireDueTimers", {});
    expect(z.state.health.announced?.figures.avgWaitTimeSeconds).toBe(190);
    z.command(T0 + 62 * 60_000, "fireDueTimers", {});
    expect(z.state.health.announced?.figures.avgWaitTimeSeconds).toBe(0);
  });

  it("raises high_unassigned once per crossing, with an ops notice, and clears it at 80%", () => {
    const z = memoryZone({ alerts: { minHealthScore: 0, maxUnassigned: 2 } });
    const deliveries = [1, 2, 3, 4].map(() => newDelivery(z.newId()));
    for (const [i, d] of deliveries.entries()) z.command(T0 + i * 1000, "createDelivery", { delivery: d, actor: SERVICE });
    // Nobody online: each one waits with an unassigned record. The third crosses 2, the fourth does not raise again.
    expect(alertEvents(z)).toEqual([{ type: "zone_alert", zoneId: z.zone.id, alert: "high_unassigned", value: 3, threshold: 2, raisedAt: new Date(T0 + 2000).toISOString() }]);
    expect(z.log.notifications.filter((n) => n.type === "zone_alert")).toMatchObject([{ severity: "warning", data: { alert: "high_unassigned", value: 3 } }]);
    expect(z.state.health.alerts.map((a) => a.alert)).toEqual(["high_unassigned"]);

    // Down to 2 (not ≤ 1.6): still standing. Down to 1: cleared.
    z.command(T0 + 10_000, "cancelDelivery", { deliveryId: deliveries[0]!.id, reason: "test", actor: OPS });
    z.command(T0 + 11_000, "cancelDelivery", { deliveryId: deliveries[1]!.id, reason: "test", actor: OPS });
    expect(alertEvents(z)).toHaveLength(1);
    z.command(T0 + 12_000, "cancelDelivery", { deliveryId: deliveries[2]!.id, reason: "test", actor: OPS });
    expect(alertEvents(z).at(-1)).toMatchObject({ type: "zone_alert_cleared", alert: "high_unassigned", clearedValue: 1 });
    expect(z.state.health.alerts).toEqual([]);
  });

  it("keeps alerts and the last announcement across a restart", () => {
    const z = memoryZone({ alerts: { minHealthScore: 70, maxUnassigned: 20 } });
    z.command(T0, "fireDueTimers", {}); // score 60 < 70
    expect(z.state.health.alerts.map((a) => a.alert)).toEqual(["low_health"]);
    z.restart(T0 + 1000);
    z.command(T0 + 60_000, "fireDueTimers", {});
    expect(alertEvents(z)).toHaveLength(1);
    expect(healthEvents(z)).toHaveLength(1);
  });
});
