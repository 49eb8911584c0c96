// Zone memory accounting: what one driver and one live delivery cost in a zone object's memory.
// Builds a zone with the real commands (runDecision, then ZoneState.apply, as the zone object
// commits), with an archive that keeps nothing (in the object, ended records live in SQLite),
// and reads V8's live heap after a full GC before and after each step. Node runs the same V8
// engine as workerd, so object sizes are the same; the zone object's isolate adds its code and
// runtime, which the soak bench measures (bench/soak.bench.mjs).
// Env: BENCH_MEMORY_DRIVERS (5000), BENCH_MEMORY_DELIVERIES (2000).

import os from "node:os";
import { DEFAULT_ZONE_SETTINGS } from "../src/contracts/zones";
import type { NewDelivery } from "../src/domain/delivery-intake";
import type { ZoneConfig } from "../src/domain/model";
import { type CommandInput, type CommandName, runDecision } from "../src/domain/zone-commands";
import { type ZoneArchive, ZoneState } from "../src/domain/zone-state";

const DRIVERS = Number(process.env.BENCH_MEMORY_DRIVERS || 5000);
const DELIVERIES = Number(process.env.BENCH_MEMORY_DELIVERIES || 2000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");

/** Storage stands in for the archive in the zone object: memory keeps none of it. */
const storageArchive: ZoneArchive = { delivery: () => undefined, offer: () => undefined, assignment: () => undefined, remember: () => {} };

const zone: ZoneConfig = {
  id: "10000000-0000-4000-8000-000000000001",
  orgId: "20000000-0000-4000-8000-000000000002",
  name: "Memory",
  polygon: { type: "Polygon", coordinates: [[[77.4, 12.8], [77.8, 12.8], [77.8, 13.1], [77.4, 13.1], [77.4, 12.8]]] },
  priorityLevel: 3,
  minDriversOnline: 5,
  targetWaitTimeSeconds: 300,
  timezone: "Asia/Kolkata",
  settings: { ...DEFAULT_ZONE_SETTINGS, searchRadiusKm: 50, widenedRadiusKm: 50, escalationSeconds: [86_400, 172_800, 259_200] },
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
};

const state = new ZoneState(storageArchive);
state.zone = zone;
let now = Date.now();
function decide<N extends CommandName>(name: N, input: CommandInput<N>) {
  const { value, changes } = runDecision(state, name, input, now++);
  state.apply(changes);
  return value;
}

function liveHeap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

let random = 1;
const jitter = () => ((random = (random * 16807) % 2147483647) / 2147483647 - 0.5) * 0.2;

function newDelivery(i: number, dispatch: "auto" | "manual"): NewDelivery {
  const id = crypto.randomUUID();
  return {
    id,
    orderId: `ORDER-${i}`,
    sellerOrderId: `SELLER-ORDER-${i}`,
    storeName: "Indiranagar Fresh Mart",
    pickup: { lat: 12.97 + jitter(), lon: 77.6 + jitter() },
    dropoff: { lat: 12.95 + jitter(), lon: 77.62 + jitter() },
    priority: 50,
    estimatedPrepTimeMinutes: 10,
    requirements: {},
    customer: { name: "Priya Sharma", phone: "+919812345678", address: "12, 5th Cross, Indiranagar, Bengaluru" },
    dispatch,
    trackingTokenHash: "a".repeat(64),
  };
}

const report = (what: string, bytes: number, count: number) =>
  console.log(`  ${what.padEnd(44)} ${(bytes / count).toFixed(0).padStart(7)} B each  (${(bytes / 1048576).toFixed(2)} MB for ${count})`);

console.log(`machine: ${os.cpus().length} CPU(s), ${os.cpus()[0]?.model ?? "?"}; Node ${process.version} (V8 ${process.versions.v8})`);
const empty = liveHeap();

const driverIds: string[] = [];
for (let i = 0; i < DRIVERS; i++) {
  const driverId = crypto.randomUUID();
  driverIds.push(driverId);
  decide("createDriver", {
    driverId,
    profile: { name: `Driver ${i}`, phone: "+919800000000", vehicle: "Honda Activa", vehicleType: "scooter", capabilities: ["insulated_bag"], location: { lat: 12.97 + jitter(), lon: 77.6 + jitter() } },
  });
  decide("changeAvailability", { driverId, command: "resume", actor: { type: "driver", id: driverId } });
}
const withDrivers = liveHeap();

for (let i = 0; i < DELIVERIES; i++) decide("createDelivery", { delivery: newDelivery(i, "manual"), actor: { type: "service", id: null } });
const withWaiting = liveHeap();

for (let i = 0; i < DELIVERIES; i++) decide("createDelivery", { delivery: newDelivery(DELIVERIES + i, "auto"), actor: { type: "service", id: null } });
const withOffers = liveHeap();

let accepted = 0;
for (const offer of [...state.offers.values()]) {
  if (state.offers.get(offer.id)?.status !== "PENDING") continue;
  decide("acceptOffer", { driverId: offer.driverId, offerId: offer.id });
  accepted++;
}
const withAssigned = liveHeap();

console.log(`zone of ${DRIVERS} drivers (available, with a position), then ${DELIVERIES} manual deliveries waiting, then ${DELIVERIES} offered, then accepted:`);
report("driver (record, position index, counts)", withDrivers - empty, DRIVERS);
report("waiting delivery (record, timer, sums)", withWaiting - withDrivers, DELIVERIES);
report("offered delivery (+ pending offer, expiry)", withOffers - withWaiting, DELIVERIES);
report("accept (offer out, assignment in)", withAssigned - withOffers, accepted);
const perDriver = (withDrivers - empty) / DRIVERS;
const perLive = Math.max((withWaiting - withDrivers) / DELIVERIES, (withOffers - withWaiting) / DELIVERIES);
const budget = 64 * 1048576;
console.log(`zone memory for D drivers and L live deliveries ≈ ${perDriver.toFixed(0)} × D + ${perLive.toFixed(0)} × L bytes`);
console.log(`  e.g. 5,000 drivers + 5,000 live deliveries ≈ ${((5000 * perDriver + 5000 * perLive) / 1048576).toFixed(1)} MB; half of the 128 MB isolate (64 MB) holds ${Math.floor(budget / (perDriver + perLive)).toLocaleString("en")} drivers with one live delivery each`);
