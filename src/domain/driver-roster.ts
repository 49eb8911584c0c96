import type { CreateDriverBody, DriverProfilePatch, LocationBody, ZonePreference } from "../contracts/drivers";
import { isWatchedForSilence } from "./availability-machine";
import { trackDriverPosition } from "./delivery-tracking";
import { conflict } from "./errors";
import type { DriverRecord, HistoryEntry } from "./model";
import type { ZoneTx } from "./zone-tx";

/** Rating a new driver starts with, before any customer has rated them. */
const STARTING_RATING = 5;

/** A position is written to storage at most this often; ticks in between live in memory. */
const LOCATION_PERSIST_INTERVAL_MS = 10_000;

export function registerDriver(tx: ZoneTx, id: string, input: Omit<CreateDriverBody, "zoneId">): DriverRecord {
  if (tx.driver(id)) throw conflict("Driver already exists");
  return tx.admitDriver({
    id,
    orgId: tx.zone.orgId,
    zoneId: tx.zone.id,
    name: input.name,
    phone: input.phone,
    vehicle: input.vehicle,
    vehicleType: input.vehicleType ?? null,
    capabilities: input.capabilities,
    rating: STARTING_RATING,
    availability: "offline",
    availabilityUntil: null,
    availabilityReason: null,
    availabilityChangedAt: tx.nowIso,
    idleSince: null,
    lastSeenAt: null,
    location: input.location ? { ...input.location, recordedAt: tx.nowIso } : null,
    savedAt: tx.now,
    zonePreferences: {},
    historyVersion: 0,
    offerStats: { offered: 0, accepted: 0 },
    createdAt: tx.nowIso,
    updatedAt: tx.nowIso,
  });
}

export function editDriverProfile(tx: ZoneTx, id: string, patch: DriverProfilePatch): DriverRecord {
  const driver = tx.requireDriver(id);
  return offerWaitingToIfFree(tx, tx.putDriver({ ...driver, ...patch, updatedAt: tx.nowIso }));
}

export function setZonePreferences(
  tx: ZoneTx,
  id: string,
  preferences: { zoneId: string; preference: ZonePreference }[],
): DriverRecord {
  const driver = tx.requireDriver(id);
  const zonePreferences = Object.fromEntries(preferences.map((p) => [p.zoneId, p.preference]));
  return offerWaitingToIfFree(tx, tx.putDriver({ ...driver, zonePreferences, updatedAt: tx.nowIso }));
}

/** A free driver whose vehicle, capabilities or zone preference changed may now fit a waiting delivery. */
function offerWaitingToIfFree(tx: ZoneTx, driver: DriverRecord): DriverRecord {
  if (driver.availability === "available") tx.follow.offerWaitingTo(driver.id);
  return driver;
}

/** A sign of life from the driver (any request of theirs, a socket message). */
export function markHeardFrom(tx: ZoneTx, id: string): DriverRecord {
  const driver = tx.requireDriver(id);
  // Matching only offers to drivers heard from lately: one who was silent and speaks up again is
  // new supply, like one who just became free.
  if (driver.availability === "available" && wasSilent(tx, driver)) tx.follow.offerWaitingTo(id);
  return tx.putDriver({ ...driver, lastSeenAt: tx.now }, { durable: isPersistDue(tx, driver) });
}

function wasSilent(tx: ZoneTx, driver: DriverRecord): boolean {
  return driver.lastSeenAt === null || tx.now - driver.lastSeenAt >= tx.zone.settings.offlineAfterSeconds * 1000;
}

/**
 * A position report. A fix older than the one held is ignored (out-of-order delivery from a
 * flaky network) but still counts as a sign of life. Availability never changes here.
 */
export function recordLocation(tx: ZoneTx, id: string, report: LocationBody): { driver: DriverRecord; applied: boolean } {
  const driver = tx.requireDriver(id);
  const recordedAt = fixTime(tx, report.recordedAt);
  const applied = !driver.location || Date.parse(recordedAt) >= Date.parse(driver.location.recordedAt);
  const { recordedAt: _ignored, ...fix } = report;
  const next = tx.putDriver(
    {
      ...driver,
      lastSeenAt: tx.now,
      location: applied ? { ...fix, recordedAt } : driver.location,
    },
    { durable: !driver.location || isPersistDue(tx, driver) },
  );
  if (isWatchedForSilence(next.availability)) tx.follow.watchLiveness(id);
  if (applied && next.availability === "busy") trackDriverPosition(tx, id);
  // A free driver who moves may come within reach of a delivery that found nobody.
  if (applied && next.availability === "available" && tx.state.waiting.size > 0) tx.follow.offerWaitingTo(id);
  return { driver: next, applied };
}

/** A device clock may run this far ahead of the server's before its times are not believed. */
const DEVICE_CLOCK_LEAD_MS = 30_000;

/**
 * When a fix was taken: the device's time, unless it is more than 30 s ahead of the server's —
 * a fix stamped in the future would make every later one look older and freeze the position —
 * in which case the server's receive time.
 */
function fixTime(tx: ZoneTx, deviceTime: string | undefined): string {
  if (!deviceTime) return tx.nowIso;
  const at = Date.parse(deviceTime);
  return at > tx.now + DEVICE_CLOCK_LEAD_MS ? tx.nowIso : new Date(at).toISOString();
}

function isPersistDue(tx: ZoneTx, driver: DriverRecord): boolean {
  return tx.now - driver.savedAt >= LOCATION_PERSIST_INTERVAL_MS;
}

/**
 * Hands a driver over to another zone. A busy driver stays until the delivery ends; the
 * driver's timers here are dropped and re-created by the zone that admits it.
 */
export function departDriver(tx: ZoneTx, id: string, toZoneId: string): DriverRecord {
  const driver = tx.requireDriver(id);
  if (toZoneId === tx.zone.id) return driver;
  if (driver.availability === "busy") throw conflict("Driver is busy and cannot move zones until the delivery ends");
  tx.follow.withdrawOffersOfDriver(id, "driver_moved_zone");
  tx.clearTimer("break_end", id);
  tx.removeDriver(driver, toZoneId);
  return driver;
}

/**
 * Takes in a driver handed over by `departDriver`, keeping its availability and carrying its
 * history rows not yet in D1 so the history read still sees them. Admitting twice is a no-op.
 */
export function admitMovedDriver(tx: ZoneTx, snapshot: DriverRecord, unflushedHistory: HistoryEntry[]): DriverRecord {
  const present = tx.driver(snapshot.id);
  if (present) return present;
  tx.carryHistory(unflushedHistory);
  const driver = tx.admitDriver({ ...snapshot, zoneId: tx.zone.id, updatedAt: tx.nowIso });
  if (driver.availability === "on_break" && driver.availabilityUntil) {
    tx.setTimer("break_end", driver.id, Date.parse(driver.availabilityUntil));
  }
  if (isWatchedForSilence(driver.availability)) tx.follow.watchLiveness(driver.id);
  // A driver who arrives available is new supply here, like one who just became free.
  if (driver.availability === "available") tx.follow.offerWaitingTo(driver.id);
  return driver;
}
