import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DeliveryRequirements } from "../../src/contracts/deliveries";
import type { VehicleType, ZonePreference } from "../../src/contracts/drivers";
import type { Availability } from "../../src/contracts/statuses";
import { type LatLon, haversineKm } from "../../src/domain/geo";
import {
  type Candidate,
  type MatchRequest,
  type MatchingView,
  acceptanceRate,
  bestCandidates,
  compareCandidates,
  explainNoCandidates,
  isEligible,
  rankCandidates,
} from "../../src/domain/matching";
import type { DriverRecord, OfferRecord } from "../../src/domain/model";
import { ZoneState } from "../../src/domain/zone-state";
import { ZoneTx } from "../../src/domain/zone-tx";
import { T0 } from "./zone-fixture";

const ZONE = "10000000-0000-4000-8000-000000000001";
const PICKUP: LatLon = { lat: 12.95, lon: 77.6 };
const FRESH_MS = 90_000;
const NOW = T0 + 3_600_000;

/** A point `km` north of the pickup (one degree of latitude is 2πR/360 ≈ 111.195 km). */
const north = (km: number): LatLon => ({ lat: PICKUP.lat + km / 111.19508, lon: PICKUP.lon });

function driver(id: string, fields: Partial<DriverRecord> = {}): DriverRecord {
  return {
    id,
    orgId: "o",
    zoneId: ZONE,
    name: id,
    phone: "+919876543210",
    vehicle: "Activa",
    vehicleType: "scooter",
    capabilities: [],
    rating: 5,
    availability: "available",
    availabilityUntil: null,
    availabilityReason: null,
    availabilityChangedAt: new Date(T0).toISOString(),
    idleSince: T0,
    lastSeenAt: NOW - 1000,
    location: { ...north(1), recordedAt: new Date(NOW).toISOString() },
    savedAt: T0,
    zonePreferences: {},
    historyVersion: 1,
    offerStats: { offered: 0, accepted: 0 },
    createdAt: new Date(T0).toISOString(),
    updatedAt: new Date(T0).toISOString(),
    ...fields,
  };
}

const at = (point: LatLon) => ({ ...point, recordedAt: new Date(NOW).toISOString() });

/** Matching's view of a list of drivers, brute force: `nearby` returns every positioned driver. */
function listView(drivers: DriverRecord[], pending: Iterable<string> = [], sockets: Iterable<string> = []): MatchingView {
  const holding = new Set(pending);
  const open = new Set(sockets);
  return {
    connected: (id) => open.has(id),
    nearby: (center) =>
      drivers.flatMap((d) => (d.location ? [{ driver: d, distanceKm: haversineKm(center, d.location) }] : [])),
    drivers: () => drivers,
    holdsPendingOffer: (id) => holding.has(id),
  };
}

function request(fields: Partial<MatchRequest> = {}): MatchRequest {
  return {
    pickup: PICKUP,
    requirements: {},
    excluded: new Set(),
    zoneId: ZONE,
    radiusKm: 5,
    now: NOW,
    freshForMs: FRESH_MS,
    ...fields,
  };
}

const ids = (candidates: Candidate[]) => candidates.map((c) => c.driver.id);

describe("candidate ranking", () => {
  it("puts nearer distance bands first, whatever the other criteria say", () => {
    const drivers = [
      // 0.6 km (band 1) but better on every later criterion.
      driver("a", { location: at(north(0.6)), zonePreferences: { [ZONE]: "PREFERRED" }, idleSince: T0 - 3_600_000 }),
      driver("b", { location: at(north(0.45)), idleSince: T0 }),
      driver("c", { location: at(north(1.2)), zonePreferences: { [ZONE]: "PREFERRED" }, idleSince: T0 - 7_200_000 }),
    ];
    expect(ids(rankCandidates(listView(drivers), request()))).toEqual(["b", "a", "c"]);
  });

  it("treats distances in one 500 m band as equal and breaks the tie by preference, idle time, acceptance rate, id", () => {
    const drivers = [
      // All in band 0 (< 0.5 km), nearest first in this list so distance cannot be what orders them.
      driver("p-avail-idle-long", { location: at(north(0.05)), idleSince: T0 - 600_000 }),
      driver("p-pref", { location: at(north(0.49)), zonePreferences: { [ZONE]: "PREFERRED" }, idleSince: T0 }),
      driver("p-avail-rate-high", {
        location: at(north(0.1)),
        idleSince: T0 - 60_000,
        offerStats: { offered: 10, accepted: 9 }, // (9+1)/(10+2) = 0.833
      }),
      driver("p-avail-rate-low", {
        location: at(north(0.2)),
        idleSince: T0 - 60_000,
        offerStats: { offered: 4, accepted: 3 }, // (3+1)/(4+2) = 0.667
      }),
      // Identical on every criterion (a new driver rates 0.5): the id decides.
      driver("p-tie-b", { location: at(north(0.3)), idleSince: T0, zonePreferences: { [ZONE]: "AVAILABLE" } }),
      driver("p-tie-a", { location: at(north(0.4)), idleSince: T0 }),
    ];
    expect(acceptanceRate(drivers[2]!)).toBeCloseTo(10 / 12, 12);
    expect(acceptanceRate(drivers[4]!)).toBe(0.5);
    expect(ids(rankCandidates(listView(drivers), request()))).toEqual([
      "p-pref", // PREFERRED before AVAILABLE (and absent counts as AVAILABLE)
      "p-avail-idle-long", // then the longest idle
      "p-avail-rate-high", // same idle: higher acceptance rate
      "p-avail-rate-low",
      "p-tie-a", // all else equal: id
      "p-tie-b",
    ]);
  });

  it("ranks a driver without idleSince after any driver with one", () => {
    const a = { driver: driver("a", { idleSince: null }), distanceKm: 1 };
    const b = { driver: driver("b", { idleSince: T0 + 999_999 }), distanceKm: 1 };
    expect(compareCandidates(ZONE, b, a)).toBeLessThan(0);
    expect(compareCandidates(ZONE, a, b)).toBeGreaterThan(0);
  });

  it("gives the same order for any order of the same input (BID-004)", () => {
    // Ties on distance band, preference, idle time and acceptance rate, so only the id can decide.
    const drivers = Array.from({ length: 12 }, (_, i) =>
      driver(`tie-${(i * 7) % 12}`, {
        location: at(north(0.1 + (i % 4) * 0.1)),
        idleSince: T0 - (i % 3) * 60_000,
        zonePreferences: i % 5 === 0 ? { [ZONE]: "PREFERRED" } : {},
        offerStats: { offered: 2 * (i % 2), accepted: i % 2 },
      }),
    );
    const reference = ids(rankCandidates(listView(drivers), request()));
    expect(reference).toHaveLength(12);
    fc.assert(
      fc.property(fc.shuffledSubarray(drivers, { minLength: drivers.length }), (shuffled) => {
        expect(ids(rankCandidates(listView(shuffled), request()))).toEqual(reference);
      }),
      { numRuns: 200 },
    );
  });
});

describe("eligibility", () => {
  const base = driver("base", {
    vehicleType: "car",
    capabilities: ["cold_chain", "fragile"],
    location: at(north(1)),
  });
  const fits: DeliveryRequirements = { vehicleTypes: ["car", "van"], capabilities: ["cold_chain"] };

  it("takes a fresh, free, positioned, fitting driver within the radius", () => {
    expect(isEligible(listView([base]), request({ requirements: fits }), base)).toBe(true);
    expect(ids(rankCandidates(listView([base]), request({ requirements: fits })))).toEqual(["base"]);
  });

  const ruledOut: [string, DriverRecord, Partial<MatchRequest>, string[]][] = [
    ...(["busy", "on_break", "shift_ended", "offline", "paused"] as Availability[]).map(
      (availability): [string, DriverRecord, Partial<MatchRequest>, string[]] => [
        `not available (${availability})`,
        { ...base, availability },
        {},
        [],
      ],
    ),
    ["never heard from", { ...base, lastSeenAt: null }, {}, []],
    ["silent for exactly offlineAfterSeconds", { ...base, lastSeenAt: NOW - FRESH_MS }, {}, []],
    ["no known position", { ...base, location: null }, {}, []],
    ["wrong vehicle type", { ...base, vehicleType: "bike" }, {}, []],
    ["no vehicle type when one is required", { ...base, vehicleType: null }, {}, []],
    ["missing a required capability", { ...base, capabilities: ["fragile"] }, {}, []],
    ["UNAVAILABLE for this zone", { ...base, zonePreferences: { [ZONE]: "UNAVAILABLE" } }, {}, []],
    ["excluded from this delivery", base, { excluded: new Set(["base"]) }, []],
    ["already holding a pending offer", base, {}, ["base"]],
  ];

  it.each(ruledOut)("rules out a driver %s", (_, d, fields, pending) => {
    const view = listView([d], pending);
    const req = request({ requirements: fits, ...fields });
    expect(isEligible(view, req, d)).toBe(false);
    expect(rankCandidates(view, req)).toEqual([]);
  });

  it("keeps a driver silent for just under offlineAfterSeconds, and one UNAVAILABLE only for another zone", () => {
    const justFresh = { ...base, lastSeenAt: NOW - FRESH_MS + 1, zonePreferences: { other: "UNAVAILABLE" as ZonePreference } };
    expect(isEligible(listView([justFresh]), request({ requirements: fits }), justFresh)).toBe(true);
  });

  it("takes a stale driver whose socket is open: presence counts as being heard from", () => {
    const stale = { ...base, lastSeenAt: NOW - FRESH_MS * 10 };
    expect(isEligible(listView([stale]), request({ requirements: fits }), stale)).toBe(false);
    expect(isEligible(listView([stale], [], [stale.id]), request({ requirements: fits }), stale)).toBe(true);
  });

  it("leaves out a driver beyond the radius but keeps one just inside it", () => {
    const inside = driver("inside", { location: at(north(4.99)) });
    const outside = driver("outside", { location: at(north(5.01)) });
    const view = listView([inside, outside]);
    expect(isEligible(view, request(), outside)).toBe(true); // distance is not eligibility…
    expect(ids(rankCandidates(view, request()))).toEqual(["inside"]); // …but the radius filters it
    expect(ids(rankCandidates(view, request({ radiusKm: 10 })))).toEqual(["inside", "outside"]);
  });

  it("needs no vehicle type or capability when the delivery requires none", () => {
    const plain = driver("plain", { vehicleType: null, capabilities: [] });
    expect(isEligible(listView([plain]), request(), plain)).toBe(true);
  });
});

describe("why nobody was found", () => {
  const near = (id: string, fields: Partial<DriverRecord> = {}) => driver(id, { location: at(north(1)), ...fields });
  const far = (id: string, fields: Partial<DriverRecord> = {}) => driver(id, { location: at(north(20)), ...fields });

  it("zone_empty: nobody in the zone, or nobody available or busy", () => {
    expect(explainNoCandidates(listView([]), request())).toBe("zone_empty");
    const offDuty = (["offline", "on_break", "shift_ended", "paused"] as Availability[]).map((availability, i) =>
      near(`off-${i}`, { availability }),
    );
    expect(explainNoCandidates(listView(offDuty), request())).toBe("zone_empty");
  });

  it("all_drivers_busy: everyone working is busy or holding another offer", () => {
    const drivers = [near("busy", { availability: "busy" }), near("holding"), near("paused", { availability: "paused" })];
    const view = listView(drivers, ["holding"]);
    expect(rankCandidates(view, request())).toEqual([]);
    expect(explainNoCandidates(view, request())).toBe("all_drivers_busy");
  });

  it("distance_exceeded: a free driver who could take it is beyond the radius", () => {
    const drivers = [near("busy", { availability: "busy" }), far("far")];
    const view = listView(drivers);
    expect(rankCandidates(view, request())).toEqual([]);
    expect(explainNoCandidates(view, request())).toBe("distance_exceeded");
  });

  it("no_available_drivers: free drivers exist but none may take this delivery", () => {
    const drivers = [
      near("excluded"),
      near("bike", { vehicleType: "bike" }),
      far("stale", { lastSeenAt: NOW - FRESH_MS }),
      near("unwilling", { zonePreferences: { [ZONE]: "UNAVAILABLE" } }),
    ];
    const req = request({ excluded: new Set(["excluded"]), requirements: { vehicleTypes: ["scooter", "car"] } });
    const view = listView(drivers);
    expect(rankCandidates(view, req)).toEqual([]);
    expect(explainNoCandidates(view, req)).toBe("no_available_drivers");
    // One of them becoming acceptable but far away turns the reason into distance_exceeded.
    const withFar = listView([...drivers, far("far-ok")]);
    expect(explainNoCandidates(withFar, req)).toBe("distance_exceeded");
  });
});

// ── rankCandidates against a brute-force filter, through the real ZoneState + spatial index ──

interface DriverSpec {
  spot: [number, number] | null;
  availability: Availability;
  seenAgoMs: number | null;
  vehicleType: VehicleType | null;
  capabilities: string[];
  preference: ZonePreference | null;
  idleSince: number | null;
  stats: [offered: number, accepted: number];
  excluded: boolean;
  pending: boolean;
}

const driverSpec: fc.Arbitrary<DriverSpec> = fc.record({
  // A coarse grid (steps of ~0.45 km) around the pickup reaching ~7 km: plenty of band ties.
  spot: fc.option(fc.tuple(fc.integer({ min: -11, max: 11 }), fc.integer({ min: -11, max: 11 })), { freq: 8 }),
  availability: fc.constantFrom<Availability>(...Array<Availability>(6).fill("available"), "busy", "on_break", "offline", "paused"),
  seenAgoMs: fc.option(fc.constantFrom(0, 1000, 30_000, 60_000, FRESH_MS - 1, FRESH_MS, 600_000), { freq: 8 }),
  vehicleType: fc.option(fc.constantFrom<VehicleType>("bike", "scooter", "car", "van"), { freq: 6 }),
  capabilities: fc.subarray(["cold_chain", "fragile", "alcohol"]),
  preference: fc.option(fc.constantFrom<ZonePreference>("PREFERRED", "AVAILABLE", "UNAVAILABLE"), { freq: 2 }),
  idleSince: fc.option(fc.constantFrom(T0 - 120_000, T0 - 60_000, T0), { freq: 6 }),
  stats: fc.constantFrom<[number, number]>([0, 0], [2, 1], [4, 3], [10, 9], [1, 0]),
  excluded: fc.nat({ max: 5 }).map((n) => n === 0),
  pending: fc.nat({ max: 5 }).map((n) => n === 0),
});

const requirementsArb: fc.Arbitrary<DeliveryRequirements> = fc.record(
  {
    vehicleTypes: fc.subarray<VehicleType>(["bike", "scooter", "car", "van"], { minLength: 1 }),
    capabilities: fc.subarray(["cold_chain", "fragile", "alcohol"], { maxLength: 1 }),
  },
  { requiredKeys: [] },
);

function pendingOffer(id: string, driverId: string): OfferRecord {
  return {
    id,
    orgId: "o",
    zoneId: ZONE,
    deliveryId: "some-other-delivery",
    driverId,
    status: "PENDING",
    mode: "auto",
    payload: {
      pickupLocation: PICKUP,
      pickupStoreName: "x",
      estimatedPickupTimeMin: 1,
      estimatedDeliveryTime: new Date(NOW).toISOString(),
      estimatedDistanceKm: 0,
      estimatedEarning: 0,
    },
    createdAt: new Date(NOW).toISOString(),
    expiresAt: new Date(NOW + 30_000).toISOString(),
    acceptedAt: null,
    rejectedAt: null,
    rejectionReason: null,
    cancelReason: null,
    responseTimeMs: null,
    notificationSentAt: null,
    notificationMethod: null,
  };
}

const PREF_RANK: Record<ZonePreference, number> = { PREFERRED: 0, AVAILABLE: 1, UNAVAILABLE: 2 };

describe("rankCandidates over random zones", () => {
  it("returns exactly the eligible drivers within the radius, in comparator order", () => {
    let nonEmpty = 0;
    let longest = 0;
    fc.assert(
      fc.property(
        fc.array(driverSpec, { minLength: 0, maxLength: 40, size: "max" }),
        fc.oneof({ arbitrary: fc.constant<DeliveryRequirements>({}), weight: 2 }, { arbitrary: requirementsArb, weight: 2 }),
        fc.constantFrom(1, 3, 5, 8),
        fc.integer({ min: 0, max: 1_000_000 }),
        (specs, requirements, radiusKm, idSalt) => {
          const state = new ZoneState();
          const excluded = new Set<string>();
          const pending = new Set<string>();
          // Ids are not in generation order, so the id tie-break is really exercised.
          const records = specs.map((s, i) => {
            const id = `drv-${String((i * 7919 + idSalt) % 1_000_003).padStart(7, "0")}-${i}`;
            if (s.excluded) excluded.add(id);
            if (s.pending) pending.add(id);
            return driver(id, {
              location: s.spot ? at({ lat: PICKUP.lat + s.spot[0] * 0.004, lon: PICKUP.lon + s.spot[1] * 0.004 }) : null,
              availability: s.availability,
              lastSeenAt: s.seenAgoMs === null ? null : NOW - s.seenAgoMs,
              vehicleType: s.vehicleType,
              capabilities: s.capabilities,
              zonePreferences: s.preference ? { [ZONE]: s.preference } : {},
              idleSince: s.idleSince,
              offerStats: { offered: s.stats[0], accepted: s.stats[1] },
            });
          });
          for (const r of records) state.putDriver(r);
          for (const id of pending) state.putOffer(pendingOffer(`offer-of-${id}`, id));
          const req = request({ requirements, radiusKm, excluded });

          const got = rankCandidates(new ZoneTx(state, NOW), req);

          // Brute force, written from docs/api.md / matching.ts's documented rules, not from isEligible.
          const expected = records
            .filter(
              (d) =>
                d.availability === "available" &&
                d.location !== null &&
                haversineKm(PICKUP, d.location) <= radiusKm &&
                d.lastSeenAt !== null &&
                NOW - d.lastSeenAt < FRESH_MS &&
                d.zonePreferences[ZONE] !== "UNAVAILABLE" &&
                !excluded.has(d.id) &&
                !pending.has(d.id) &&
                (!requirements.vehicleTypes || (d.vehicleType !== null && requirements.vehicleTypes.includes(d.vehicleType))) &&
                (requirements.capabilities ?? []).every((c) => d.capabilities.includes(c)),
            )
            .map((d) => {
              const distanceKm = haversineKm(PICKUP, d.location!);
              const key = [
                Math.floor(distanceKm / 0.5),
                PREF_RANK[d.zonePreferences[ZONE] ?? "AVAILABLE"],
                d.idleSince ?? Number.MAX_SAFE_INTEGER,
                -(d.offerStats.accepted + 1) / (d.offerStats.offered + 2),
              ];
              return { id: d.id, distanceKm, key };
            })
            .sort((a, b) => {
              for (let i = 0; i < a.key.length; i++) if (a.key[i] !== b.key[i]) return a.key[i]! - b.key[i]!;
              return a.id < b.id ? -1 : 1;
            });

          expect(ids(got)).toEqual(expected.map((e) => e.id));
          // The nearest-first search the dispatcher uses picks the same head of the ranking.
          for (const limit of [1, 2, 3, 10]) {
            expect(ids(bestCandidates(new ZoneTx(state, NOW), req, limit))).toEqual(expected.slice(0, limit).map((e) => e.id));
          }
          expect(got.map((c) => c.distanceKm)).toEqual(expected.map((e) => e.distanceKm));
          for (let i = 1; i < got.length; i++) expect(compareCandidates(ZONE, got[i - 1]!, got[i]!)).toBeLessThan(0);
          if (got.length > 1) nonEmpty++;
          longest = Math.max(longest, got.length);
        },
      ),
      { numRuns: 400 },
    );
    // The generator must produce real rankings, not just empty ones.
    expect(nonEmpty).toBeGreaterThan(60);
    expect(longest).toBeGreaterThanOrEqual(5);
  });
});
