// Crash under load: socket drivers auto-accepting and finishing deliveries while 8 clients create
// them; halfway through, the WHOLE `npm start` process group is SIGKILLed (no shutdown of any
// kind), then started again on the same state directory. Checked afterwards: every delivery that
// got a 201 exists and was delivered through exactly one accepted offer and one assignment; every
// acked accept is still its driver's assignment; every audit trail is versions 1 … n, and D1
// holds exactly those rows; what the zone had written before the crash reaches D1 within 10 s of
// the restart; each driver's stream, over both connections, is seq 1, 2, 3 … with every event
// missed while the server was down replayed once.
//
// As specified: 50 drivers, 300 deliveries from 8 clients (about 26 s on 2 cores). Clients
// pause between requests so drivers are free when the server comes back: the deliveries created
// after the restart are then offered to drivers who are still away, which is what makes a
// `?since=` replay necessary.

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
  readDetails,
  readHistories,
  readTrails,
  startFleet,
  stopwatch,
  waitForAllDelivered,
  waitUntil,
} from "./load-run";
import { pool } from "../../scripts/pool.mjs";
import { type Server, freshStateDir, startServer } from "./server";

const DRIVERS = 50;
const DELIVERIES = 300;
const CLIENTS = 8;
const PACE_MS = 100;
/** The spec's bound: the zone's outbox reaches D1 within 10 s of the restart. */
const OUTBOX_TO_D1_MS = 10_000;
const DELIVERED_TIMEOUT_MS = 60_000;

const stateDir = freshStateDir();
const servers: Server[] = [];
let bots: DriverBot[] = [];

afterAll(async () => {
  await Promise.all(bots.map((bot) => bot.close()));
  // Newest first: an older server's stop() must not find the newer one's processes on the same state.
  for (const server of servers.reverse()) await server.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("crash under load", () => {
  it("loses no accepted delivery, assignment, audit row or socket event to a SIGKILL of the whole server", async () => {
    const time = stopwatch();
    servers.push(await startServer({ stateDir, seed: false }));
    time.mark("started");
    const slot = new ServerSlot(servers[0]!);
    const fleet = await startFleet(slot, DRIVERS);
    bots = fleet.bots;
    time.mark("drivers connected");

    // ── load, then the crash halfway ────────────────────────────────────────────────────────
    const creation = createDeliveries(slot, fleet.org, DELIVERIES, CLIENTS, PACE_MS);
    await waitUntil("half the deliveries created", 60_000, () => creation.created.length >= DELIVERIES / 2);
    slot.goingDown();
    await servers[0]!.crash();
    const beforeCrash = [...creation.created];
    time.mark("killed");

    // ── restart on the same state; clients and drivers wait until D1 has caught up ──────────
    servers.push(await startServer({ stateDir, seed: false }));
    const restarted = servers[1]!;
    const restartedAt = Date.now();
    time.mark("restarted");

    // What the zone holds of the deliveries created before the crash must reach D1 itself.
    const zoneTrails = await readTrails(restarted, fleet.org, beforeCrash);
    await waitUntil(
      "the zone's audit rows from before the crash in D1",
      Math.max(0, restartedAt + OUTBOX_TO_D1_MS - Date.now()),
      () => auditDifference(stateDir, fleet.org, zoneTrails).missing === 0,
      () => JSON.stringify(auditDifference(stateDir, fleet.org, zoneTrails)),
    );
    const timeToD1 = Date.now() - restartedAt;

    // Right after the crash: at most one accepted offer and one active assignment per delivery,
    // and no driver the active assignee of two.
    const afterRestart = await readDetails(restarted, fleet.org, beforeCrash);
    const activeDrivers: string[] = [];
    for (const [id, d] of afterRestart) {
      expect(d.offers.filter((o) => o.status === "ACCEPTED").length, `delivery ${id}: ${JSON.stringify(d.offers)}`).toBeLessThanOrEqual(1);
      if (d.assignment?.status === "ACTIVE") activeDrivers.push(d.assignment.driverId);
    }
    expect(new Set(activeDrivers).size, "a driver actively assigned twice").toBe(activeDrivers.length);

    // The clients carry on; the drivers stay away until the zone has offered them something.
    slot.restarted(restarted);
    await waitUntil("an offer made to a driver who is away", 30_000, async () => {
      const newest = creation.created.filter((id) => !beforeCrash.includes(id)).slice(-CLIENTS);
      const details = await readDetails(restarted, fleet.org, newest);
      return [...details.values()].some((d) => d.offers.length > 0);
    });
    await pool(bots, DRIVERS, (bot) => bot.reconnect(restarted.wsUrl));
    await waitForAllDelivered(creation, bots, DELIVERED_TIMEOUT_MS);
    time.mark("all delivered");

    // ── deliveries, assignments, accepts ────────────────────────────────────────────────────
    expect(creation.refused, "answers other than 201").toEqual([]);
    expect(creation.unanswered, "at most the requests in flight at the crash go unanswered").toBeLessThanOrEqual(CLIENTS);
    expect(creation.created.length + creation.unanswered).toBe(DELIVERIES);
    const { acceptAcks, assignments } = await expectEachDeliveredOnce(restarted, fleet, creation.created);

    // ── audit trails: whole, and exactly the rows D1 holds ──────────────────────────────────
    const trails = await readTrails(restarted, fleet.org, creation.created);
    const auditRows = expectTrailsWhole(trails);
    await waitUntil(
      "D1 holding exactly the audit trails",
      OUTBOX_TO_D1_MS,
      () => Object.values(auditDifference(stateDir, fleet.org, trails)).every((n) => n === 0),
      () => JSON.stringify(auditDifference(stateDir, fleet.org, trails)),
    );
    const histories = await readHistories(
      restarted,
      fleet.org,
      bots.map((b) => b.driverId),
    );
    const historyRows = expectHistoriesInD1(stateDir, fleet.org, histories);

    // ── socket streams across the reconnect ─────────────────────────────────────────────────
    const events = expectStreamsWhole(bots);
    const replayed = bots.reduce((n, b) => n + b.replayed, 0);
    expect(replayed, "offers made while the drivers were away, replayed on reconnect").toBeGreaterThan(0);
    time.mark("checked");

    console.log(
      `[crash under load] ${DRIVERS} drivers; ${DELIVERIES} deliveries requested, ${creation.created.length} answered 201 ` +
        `(${beforeCrash.length} before the SIGKILL, ${creation.unanswered} unanswered); ${acceptAcks} accepts acked ` +
        `(${bots.reduce((n, b) => n + b.lostAccepts, 0)} lost races), ${assignments} assignments; ${auditRows} audit rows, ` +
        `${historyRows} history rows in D1; ${events} socket events, ${replayed} replayed after the restart; ` +
        `pre-crash outbox in D1 ${(timeToD1 / 1000).toFixed(1)} s after the restart; ${time.marks()}`,
    );
  });
});
