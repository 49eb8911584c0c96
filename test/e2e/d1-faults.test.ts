// D1 faults: the crash test's flow (socket drivers auto-accepting and finishing, 8 clients
// creating deliveries) on a server whose zone fails 30% of its outbox writes to D1: half of the
// failures before D1 stores the batch, half after it did (the answer is lost, the zone retries
// rows D1 already has). Then the faults are turned off (a graceful restart without the variable,
// same state directory) and D1 must catch up: every audit row the zone made exactly once, none
// lost, none extra, each (deliveryId, version) once; every driver's availability history
// likewise. The Worker's own D1 writes (directory rows at creation) are not faulted.
//
// Scaled for `npm test` on 2 cores: 20 drivers, 200 deliveries.

import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { DriverBot } from "./driver-bot";
import {
  ServerSlot,
  auditDifference,
  createDeliveries,
  expectEachDeliveredOnce,
  expectHistoriesInD1,
  expectStreamsWhole,
  expectTrailsWhole,
  readHistories,
  readTrails,
  startFleet,
  stopwatch,
  waitForAllDelivered,
  waitUntil,
} from "./load-run";
import { type Server, freshStateDir, startServer } from "./server";

const DRIVERS = 20;
const DELIVERIES = 200;
const CLIENTS = 8;
const PACE_MS = 50;
const FAILURE_RATE = "0.3";
const INJECTED = /injected D1 fault/g;
/**
 * How long D1 may take to catch up once faults stop: a flush retry planned under faults keeps its
 * time across the restart, and the backoff doubles up to 60 s (domain/outbox-retry.ts).
 */
const CATCH_UP_MS = 70_000;

const stateDir = freshStateDir();
const servers: Server[] = [];
let bots: DriverBot[] = [];

afterAll(async () => {
  await Promise.all(bots.map((bot) => bot.close()));
  for (const server of servers.reverse()) await server.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("D1 faults", () => {
  it("loses and duplicates no audit or history row when 30% of the zone's D1 writes fail", async () => {
    const time = stopwatch();
    servers.push(await startServer({ stateDir, seed: false, env: { DISPATCH_FAULT_D1_WRITE_FAILURE_RATE: FAILURE_RATE } }));
    time.mark("started with faults");
    const slot = new ServerSlot(servers[0]!);
    const fleet = await startFleet(slot, DRIVERS);
    bots = fleet.bots;
    time.mark("drivers connected");

    const creation = createDeliveries(slot, fleet.org, DELIVERIES, CLIENTS, PACE_MS);
    await waitForAllDelivered(creation, bots, 60_000);
    time.mark("all delivered");
    expect(creation.refused, "answers other than 201").toEqual([]);
    expect(creation.unanswered).toBe(0);
    const { acceptAcks, assignments } = await expectEachDeliveredOnce(servers[0]!, fleet, creation.created);
    const events = expectStreamsWhole(bots);

    // What the zone says happened (D1's rows merged with its unflushed ones), while D1 is failing.
    const trails = await readTrails(servers[0]!, fleet.org, creation.created);
    const auditRows = expectTrailsWhole(trails);
    const histories = await readHistories(
      servers[0]!,
      fleet.org,
      bots.map((b) => b.driverId),
    );
    const injected = servers[0]!.output().match(INJECTED)?.length ?? 0;
    const answersLost = servers[0]!.output().match(/injected D1 fault: answer lost/g)?.length ?? 0;
    expect(injected, "D1 writes failed on purpose").toBeGreaterThan(0);
    const pendingAtFaultsOff = auditDifference(stateDir, fleet.org, trails).missing;

    // ── faults off: restart without the variable ────────────────────────────────────────────
    await Promise.all(bots.map((bot) => bot.close()));
    await servers[0]!.stop();
    time.mark("stopped");
    servers.push(await startServer({ stateDir, seed: false }));
    time.mark("restarted without faults");
    const restartedAt = Date.now();
    // Reading the trails wakes the zone, whose outbox then flushes; they must not have changed.
    expect(await readTrails(servers[1]!, fleet.org, creation.created)).toEqual(trails);
    await waitUntil(
      "D1 holding exactly the zone's audit rows",
      CATCH_UP_MS,
      () => Object.values(auditDifference(stateDir, fleet.org, trails)).every((n) => n === 0),
      () => JSON.stringify(auditDifference(stateDir, fleet.org, trails)),
    );
    const caughtUpMs = Date.now() - restartedAt;
    const historyRows = expectHistoriesInD1(stateDir, fleet.org, histories);
    expect(servers[1]!.output().match(INJECTED), "faults after they were turned off").toBeNull();
    time.mark("checked");

    console.log(
      `[d1 faults] ${DRIVERS} drivers, ${creation.created.length} deliveries (201), ${acceptAcks} accepts acked, ${assignments} assignments, ` +
        `${events} socket events; ${injected} outbox writes failed on purpose (rate ${FAILURE_RATE}; ${answersLost} after D1 had stored the rows); ${auditRows} audit rows, ` +
        `${pendingAtFaultsOff} not yet in D1 when faults stopped, 0 lost, 0 duplicated after ${(caughtUpMs / 1000).toFixed(1)} s; ` +
        `${historyRows} history rows in D1, each once; ${time.marks()}`,
    );
  });
});
