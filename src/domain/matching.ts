import type { DeliveryRequirements } from "../contracts/deliveries";
import type { FailureReason } from "../contracts/escalation";
import type { LatLon } from "./geo";
import type { DriverRecord } from "./model";

/** Why a matching round found nobody (the unassigned record's `failureReason`). */
/** Why a round found nobody. */
export type MatchFailure = FailureReason;

/** What matching may read of the zone, as the current decision sees it. */
export interface MatchingView {
  /** Drivers that may be available with a position within `radiusKm` of `center` (a superset). */
  nearby(center: LatLon, radiusKm: number): { driver: DriverRecord; distanceKm: number }[];
  drivers(): Iterable<DriverRecord>;
  holdsPendingOffer(driverId: string): boolean;
  /** An open socket is presence: such a driver is heard from even without recent messages. */
  connected(driverId: string): boolean;
}

export interface MatchRequest {
  pickup: LatLon;
  requirements: DeliveryRequirements;
  /** Drivers who already rejected, let expire, or lost this delivery. */
  excluded: ReadonlySet<string>;
  zoneId: string;
  radiusKm: number;
  now: number;
  /** A driver not heard from for this long is not offered anything. */
  freshForMs: number;
}

export interface Candidate {
  driver: DriverRecord;
  distanceKm: number;
}

/** Distances within the same 500 m band count as equal, so the next criteria can decide. */
const DISTANCE_BAND_KM = 0.5;

const PREFERENCE_RANK = { PREFERRED: 0, AVAILABLE: 1, UNAVAILABLE: 2 } as const;

/** Laplace-smoothed acceptance rate: a new driver starts at 0.5, not at 0 or 1. */
export function acceptanceRate(driver: DriverRecord): number {
  return (driver.offerStats.accepted + 1) / (driver.offerStats.offered + 2);
}

/**
 * Candidate ranking, best first:
 * 1. distance to the pickup, in 500 m bands (nearer first);
 * 2. the driver's preference for this zone (PREFERRED before AVAILABLE);
 * 3. longest idle first (earliest `idleSince`);
 * 4. higher acceptance rate;
 * 5. driver id — so the same inputs always give the same order (seed 004 BID-004).
 */
export function compareCandidates(zoneId: string, a: Candidate, b: Candidate): number {
  return (
    Math.floor(a.distanceKm / DISTANCE_BAND_KM) - Math.floor(b.distanceKm / DISTANCE_BAND_KM) ||
    PREFERENCE_RANK[a.driver.zonePreferences[zoneId] ?? "AVAILABLE"] -
      PREFERENCE_RANK[b.driver.zonePreferences[zoneId] ?? "AVAILABLE"] ||
    (a.driver.idleSince ?? Number.MAX_SAFE_INTEGER) - (b.driver.idleSince ?? Number.MAX_SAFE_INTEGER) ||
    acceptanceRate(b.driver) - acceptanceRate(a.driver) ||
    (a.driver.id < b.driver.id ? -1 : a.driver.id > b.driver.id ? 1 : 0)
  );
}

function meetsRequirements(driver: DriverRecord, requirements: DeliveryRequirements): boolean {
  const vehicleOk =
    !requirements.vehicleTypes || (driver.vehicleType !== null && requirements.vehicleTypes.includes(driver.vehicleType));
  const capabilitiesOk = (requirements.capabilities ?? []).every((c) => driver.capabilities.includes(c));
  return vehicleOk && capabilitiesOk;
}

/** Whether this driver may be offered this delivery at all, distance aside. */
export function isEligible(view: MatchingView, request: MatchRequest, driver: DriverRecord): boolean {
  return (
    driver.availability === "available" &&
    driver.location !== null &&
    ((driver.lastSeenAt !== null && request.now - driver.lastSeenAt < request.freshForMs) || view.connected(driver.id)) &&
    driver.zonePreferences[request.zoneId] !== "UNAVAILABLE" &&
    !request.excluded.has(driver.id) &&
    meetsRequirements(driver, request.requirements) &&
    !view.holdsPendingOffer(driver.id)
  );
}

/** Every eligible driver within the radius, best first. */
export function rankCandidates(view: MatchingView, request: MatchRequest): Candidate[] {
  return view
    .nearby(request.pickup, request.radiusKm)
    .filter(({ driver, distanceKm }) => distanceKm <= request.radiusKm && isEligible(view, request, driver))
    .sort((a, b) => compareCandidates(request.zoneId, a, b));
}

/**
 * The best `limit` candidates, searching outwards from the pickup: radii 0.5, 1, 2, 4 … km
 * (whole distance bands) until `limit` candidates lie strictly inside one, or the search radius
 * is reached. Distance band is the first ranking key, so nobody further out could outrank them.
 * The cost follows the drivers near the pickup, not the zone's size.
 */
export function bestCandidates(view: MatchingView, request: MatchRequest, limit: number): Candidate[] {
  for (let radiusKm = DISTANCE_BAND_KM; ; radiusKm *= 2) {
    if (radiusKm >= request.radiusKm) return rankCandidates(view, request).slice(0, limit);
    const inside = rankCandidates(view, { ...request, radiusKm }).filter((c) => c.distanceKm < radiusKm);
    if (inside.length >= limit) return inside.slice(0, limit);
  }
}

/**
 * Why nobody could be offered the delivery, from the most to the least fundamental cause:
 * nobody is working in the zone; everyone working is busy (or holding another offer); drivers
 * are free but all beyond the radius; free drivers nearby are ruled out for this delivery.
 */
export function explainNoCandidates(view: MatchingView, request: MatchRequest): MatchFailure {
  let working = 0;
  let free = 0;
  let freeAndEligibleAnywhere = false;
  for (const driver of view.drivers()) {
    if (driver.availability !== "available" && driver.availability !== "busy") continue;
    working++;
    if (driver.availability !== "available" || view.holdsPendingOffer(driver.id)) continue;
    free++;
    if (isEligible(view, request, driver)) freeAndEligibleAnywhere = true;
  }
  if (working === 0) return "zone_empty";
  if (free === 0) return "all_drivers_busy";
  return freeAndEligibleAnywhere ? "distance_exceeded" : "no_available_drivers";
}
