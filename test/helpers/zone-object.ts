import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import { json } from "./api";

/** Anything with an org and its zone (what `newOrg()` returns). */
export interface HasZone {
  org: string;
  zone: { id: string };
}

/** The org's zone object, as the Worker addresses it. */
export const zoneObject = (o: HasZone) => env.ZONES.getByName(`${o.org}:${o.zone.id}`);

/** The zone object's "now" becomes real time plus `aheadMs` (past a break end, a backoff …). */
export async function moveZoneClock(o: HasZone, aheadMs: number): Promise<void> {
  await runInDurableObject(zoneObject(o), (zone: ZoneDispatcher) => {
    zone.clock = () => Date.now() + aheadMs;
  });
}

/** Runs the alarm handler now (directly if a real alarm is in flight and none is armed). */
export async function runAlarmNow(o: HasZone): Promise<void> {
  const stub = zoneObject(o);
  if (!(await runDurableObjectAlarm(stub))) await runInDurableObject(stub, (zone: ZoneDispatcher) => zone.alarm());
}

/** The JSON body of a response that must have `status` (the body is shown when it has not). */
export async function ok(res: Promise<Response> | Response, status = 200): Promise<any> {
  const r = await res;
  const body = await json(r);
  expect(r.status, JSON.stringify(body)).toBe(status);
  return body;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
