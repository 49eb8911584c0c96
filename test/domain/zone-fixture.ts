import { DEFAULT_ZONE_SETTINGS, type ZoneSettings } from "../../src/contracts/zones";
import { registerDriver } from "../../src/domain/driver-roster";
import type { ZoneConfig } from "../../src/domain/model";
import { ZoneState } from "../../src/domain/zone-state";
import { ZoneTx } from "../../src/domain/zone-tx";

export const T0 = Date.parse("2026-02-01T10:00:00.000Z");

/**
 * An in-memory zone driven the way the zone object drives it: each step runs a rule over a
 * ZoneTx and applies its changes, with time passed in.
 */
export function memoryZone(settings: Partial<ZoneSettings> = {}) {
  const state = new ZoneState();
  let seq = 0;
  const newId = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, "0")}`;
  const zone: ZoneConfig = {
    id: "10000000-0000-4000-8000-000000000001",
    orgId: "20000000-0000-4000-8000-000000000002",
    name: "Central",
    polygon: { type: "Polygon", coordinates: [[[77.5, 12.9], [77.7, 12.9], [77.7, 13], [77.5, 13], [77.5, 12.9]]] },
    priorityLevel: 3,
    minDriversOnline: 5,
    targetWaitTimeSeconds: 300,
    timezone: "UTC",
    settings: { ...DEFAULT_ZONE_SETTINGS, ...settings },
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
  };
  state.zone = zone;
  function run<T>(at: number, rule: (tx: ZoneTx) => T): T {
    const tx = new ZoneTx(state, at, newId);
    const value = rule(tx);
    state.apply(tx.changes);
    return value;
  }
  function addDriver(at = T0) {
    return run(at, (tx) =>
      registerDriver(tx, newId(), {
        name: "Asha K",
        phone: "+919876543210",
        vehicle: "Activa",
        vehicleType: "scooter",
        capabilities: [],
        location: { lat: 12.95, lon: 77.6 },
      }),
    );
  }
  return { state, zone, run, addDriver, newId };
}
