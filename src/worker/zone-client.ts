import type { Context } from "hono";
import type { AvailabilityOptions } from "../domain/availability-changes";
import type { AvailabilityCommand } from "../domain/availability-machine";
import { DomainError } from "../domain/errors";
import type { DriverRecord } from "../domain/model";
import type { CommandInput, CommandName, CommandValue } from "../domain/zone-commands";
import type { DriverDeparture } from "../durable-objects/zone-dispatcher";
import type { ZoneResult } from "../durable-objects/zone-result";
import { locate, pointDriverTo } from "./directory";
import type { AppEnv } from "./app-env";
import { actorOf } from "./caller";
import type { Env } from "./env";
import { conflict, notFound } from "./http-error";

/** The zone object of one org's zone; the org is part of the name, so tenants never share one. */
export function zoneStub(env: Env, orgId: string, zoneId: string) {
  return env.ZONES.getByName(`${orgId}:${zoneId}`);
}

export type ZoneStub = ReturnType<typeof zoneStub>;

/**
 * Runs a command of the zone's registry (domain/zone-commands.ts) for the org. RPC stubs lose a
 * method's type parameters, so this is the one place that gives `decide` its types back.
 * `traceId` is the request's (`c.get("traceId")`): the zone logs it with the decision, so the
 * request line and the decision line can be followed together.
 */
export function decide<N extends CommandName>(
  zone: ZoneStub,
  orgId: string,
  name: N,
  input: CommandInput<N>,
  traceId: string | null,
): Promise<ZoneResult<CommandValue<N>>> {
  return zone.decide(orgId, name, input, traceId) as unknown as Promise<ZoneResult<CommandValue<N>>>;
}

/** A zone's answer, or its refusal re-thrown for the error handler to map onto a status. */
export function unwrap<T>(result: ZoneResult<T>): T {
  if (result.ok) return result.value;
  throw new DomainError(result.error.kind, result.error.message);
}

/**
 * Creates something in a zone after its directory rows were written; when the zone refuses (or
 * the call fails) the rows are undone, so the directory never names what does not exist.
 */
export async function createOrUndo<T>(create: () => Promise<ZoneResult<T>>, undo: () => Promise<void>): Promise<T> {
  let result: ZoneResult<T>;
  try {
    result = await create();
  } catch (error) {
    await undo();
    throw error;
  }
  if (!result.ok) await undo();
  return unwrap(result);
}

/** A driver named for a delivery must exist in the org (404) and work in its zone (409). */
export async function requireDriverInZone(env: Env, orgId: string, driverId: string, deliveryId: string): Promise<string> {
  const [delivery, driver] = await Promise.all([
    locate(env.DB, orgId, "delivery", deliveryId),
    locate(env.DB, orgId, "driver", driverId),
  ]);
  if (!delivery) throw notFound("Delivery not found");
  if (!driver) throw notFound("Driver not found");
  if (driver.zoneId !== delivery.zoneId) throw conflict("Driver is not in the delivery's zone");
  return delivery.zoneId;
}

export async function deliveryZone(env: Env, orgId: string, deliveryId: string): Promise<ZoneStub> {
  const entry = await locate(env.DB, orgId, "delivery", deliveryId);
  if (!entry) throw notFound("Delivery not found");
  return zoneStub(env, orgId, entry.zoneId);
}

/** Moves of one request may chase: a driver moved twice while we looked. */
const MAX_HOPS = 3;

/**
 * Calls the zone holding a driver. When the directory still names the zone the driver left,
 * that zone says where it went: the move is completed (idempotently) and the call follows.
 */
export async function callDriverZone<T>(
  env: Env,
  orgId: string,
  driverId: string,
  call: (zone: ZoneStub) => Promise<ZoneResult<T>>,
): Promise<T> {
  const entry = await locate(env.DB, orgId, "driver", driverId);
  if (!entry) throw notFound("Driver not found");
  let zoneId = entry.zoneId;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const result = await call(zoneStub(env, orgId, zoneId));
    if (result.ok || !result.error.movedTo) return unwrap(result);
    const from = zoneStub(env, orgId, zoneId);
    zoneId = result.error.movedTo;
    await moveDriver(env, orgId, driverId, zoneId, async () => unwrap(await from.departure(orgId, driverId)));
  }
  throw conflict("Driver is moving between zones; retry the request");
}

/**
 * The zone move, in this order: leave the old zone (`leave` departs, or reads how the driver
 * left), arrive in `toZoneId`, point the directory at it. A request landing in between is
 * redirected by the old zone, and arriving and re-pointing are idempotent, so callDriverZone
 * finishes a move cut short by running this again; the driver is never in two zones.
 */
export async function moveDriver(
  env: Env,
  orgId: string,
  driverId: string,
  toZoneId: string,
  leave: () => Promise<DriverDeparture>,
): Promise<void> {
  const departure = await leave();
  unwrap(await zoneStub(env, orgId, toZoneId).admitDriver(orgId, departure));
  await pointDriverTo(env.DB, orgId, driverId, toZoneId);
}

/** Applies an availability command to a driver on behalf of the caller. */
export function moveAvailability(
  c: Context<AppEnv>,
  driverId: string,
  command: AvailabilityCommand,
  options: AvailabilityOptions,
): Promise<DriverRecord> {
  const caller = c.get("caller");
  return callDriverZone(c.env, caller.org, driverId, (zone) =>
    decide(zone, caller.org, "changeAvailability", { driverId, command, actor: actorOf(caller), options }, c.get("traceId")),
  );
}
