/**
 * Audit without loss (docs/architecture.md "How a zone decides"): every change is committed with its
 * audit/history rows into the zone's SQLite outbox, the alarm flushes the outbox to D1 in batches
 * (INSERT OR IGNORE, ids fixed at creation) with backoff while D1 fails, and reads merge D1 with
 * the unflushed outbox — so a read sees every acknowledged change, once, whatever D1 is doing.
 *
 * D1 failures are injected through ZoneDispatcher.outboxTarget; a new instance (after eviction)
 * goes back to env.DB. Flush retries wait for a backoff, so tests move the zone object's `clock`
 * seam past it instead of sleeping. Zones here push escalation a day out, so moving the clock by
 * minutes cannot add audit events of its own. Real alarms may fire at any moment; every check
 * holds whichever alarm runs first.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ZoneDispatcher } from "../../src/durable-objects/zone-dispatcher";
import { type Client, json, newOrg } from "../helpers/api";
import { moveZoneClock, ok, runAlarmNow, zoneObject } from "../helpers/zone-object";

type Org = Awaited<ReturnType<typeof newOrg>>;

const QUIET_ZONE = { escalationSeconds: [86_400, 172_800, 259_200] };
const MINUTE = 60_000;

/** A D1 whose batch writes always fail (reads are not the outbox's business). */
function failingD1(calls: number[]): D1Database {
  return {
    prepare: (sql: string) => env.DB.prepare(sql),
    batch: async (statements: unknown[]) => {
      calls.push(statements.length);
      throw new Error("D1 unavailable (injected)");
    },
  } as unknown as D1Database;
}

/** The real D1, recording the size of every batch it is given. */
function recordingD1(batches: number[]): D1Database {
  return {
    prepare: (sql: string) => env.DB.prepare(sql),
    batch: async (statements: D1PreparedStatement[]) => {
      const result = await env.DB.batch(statements);
      batches.push(statements.length);
      return result;
    },
  } as unknown as D1Database;
}

/** The real D1, whose answer is lost after the write committed (the zone sees a failure). */
function lostAckD1(calls: number[]): D1Database {
  return {
    prepare: (sql: string) => env.DB.prepare(sql),
    batch: async (statements: D1PreparedStatement[]) => {
      await env.DB.batch(statements);
      calls.push(statements.length);
      throw new Error("connection reset after commit (injected)");
    },
  } as unknown as D1Database;
}

async function setOutboxTarget(o: Org, target: D1Database): Promise<void> {
  await runInDurableObject(zoneObject(o), (zone: ZoneDispatcher) => {
    zone.outboxTarget = target;
  });
}

async function outboxSize(o: Org): Promise<number> {
  return runInDurableObject(zoneObject(o), (_zone, state) =>
    Number(state.storage.sql.exec("SELECT count(*) AS n FROM outbox").one().n),
  );
}

async function d1Count(table: "delivery_audit_logs" | "driver_availability_history", org: string): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE org_id = ?`).bind(org).first<{ n: number }>();
  return row?.n ?? 0;
}

async function auditOf(o: Org, deliveryId: string): Promise<any> {
  const res = await o.ops.get(`/admin/deliveries/${deliveryId}/audit`);
  expect(res.status).toBe(200);
  return json(res);
}

async function historyOf(reader: Client, driverId: string): Promise<any[]> {
  const res = await reader.get(`/drivers/${driverId}/availability/history?limit=500`);
  expect(res.status).toBe(200);
  return (await json(res)).history;
}

const versions = (audit: any) => audit.events.map((e: any) => e.version);
const eventTypes = (audit: any) => audit.events.map((e: any) => e.eventType);

describe("audit and history while D1 writes fail", () => {
  it("reads stay complete and gap-free; after recovery D1 holds every row exactly once", async () => {
    const o = await newOrg(QUIET_ZONE);
    const driver = await o.addDriver();
    const failed: number[] = [];
    await setOutboxTarget(o, failingD1(failed));

    // Deliveries: two cancelled (by the service and by ops), one left waiting.
    const [d1, d2, d3] = [
      await o.addDelivery({ dispatch: "manual" }),
      await o.addDelivery({ dispatch: "manual" }),
      await o.addDelivery({ dispatch: "manual" }),
    ];
    await ok(o.service.post(`/deliveries/${d1.id}/cancel`, { reason: "customer_cancelled" }));
    await ok(o.ops.post(`/deliveries/${d2.id}/cancel`, { reason: "store_closed" }));

    // Availability: seven moves by the driver and by ops.
    const move = (m: string, body?: unknown) => ok(driver.client.post(`/drivers/${driver.id}/availability/${m}`, body));
    await move("resume");
    await move("take-break", { durationMinutes: 30 });
    await move("resume");
    await move("end-shift");
    await ok(o.ops.post(`/admin/drivers/${driver.id}/pause`));
    await ok(o.ops.post(`/admin/drivers/${driver.id}/unpause`));
    await move("end-shift");

    const readAll = async () => ({
      audits: await Promise.all([d1, d2, d3].map((d) => auditOf(o, d.id))),
      history: await historyOf(o.ops, driver.id),
    });
    const during = await readAll();
    const [a1, a2, a3] = during.audits;
    expect(eventTypes(a1)).toEqual(["created", "delivery_cancelled"]);
    expect(versions(a1)).toEqual([1, 2]);
    expect(eventTypes(a2)).toEqual(["created", "delivery_cancelled"]);
    expect(versions(a2)).toEqual([1, 2]);
    expect(eventTypes(a3)).toEqual(["created"]);
    expect(versions(a3)).toEqual([1]);
    expect(a2.events[1]).toMatchObject({ actorType: "admin", actorId: o.ops.sub });
    expect(during.history.map((h) => h.toState)).toEqual([
      "shift_ended",
      "available",
      "paused",
      "shift_ended",
      "available",
      "on_break",
      "available",
    ]);

    // None of it is in D1 yet: it all lives in the zone's outbox.
    expect(await d1Count("delivery_audit_logs", o.org)).toBe(0);
    expect(await d1Count("driver_availability_history", o.org)).toBe(0);
    expect(await outboxSize(o)).toBe(5 + 7);

    // The alarm, past any backoff: D1 still fails, every row stays.
    const attemptsBefore = failed.length;
    await moveZoneClock(o, MINUTE + 1000);
    await runAlarmNow(o);
    expect(failed.length).toBeGreaterThan(attemptsBefore);
    expect(await outboxSize(o)).toBe(12);
    expect(await d1Count("delivery_audit_logs", o.org)).toBe(0);

    // Eviction drops memory (and the injected D1); the outbox is storage and reads stay whole.
    await evictDurableObject(zoneObject(o));
    expect(await readAll()).toEqual(during);
    expect(await outboxSize(o)).toBe(12);

    // The next due flush (past the backoff the failure scheduled) reaches the real D1.
    await moveZoneClock(o, 5 * MINUTE);
    await runAlarmNow(o);
    expect(await outboxSize(o)).toBe(0);
    expect(await d1Count("delivery_audit_logs", o.org)).toBe(5);
    expect(await d1Count("driver_availability_history", o.org)).toBe(7);
    const stored = await env.DB.prepare(
      "SELECT id, delivery_id AS deliveryId, version FROM delivery_audit_logs WHERE org_id = ? ORDER BY delivery_id, version",
    )
      .bind(o.org)
      .all<{ id: string; deliveryId: string; version: number }>();
    const expectedRows = during.audits.flatMap((a) => a.events.map((e: any) => ({ id: e.id, deliveryId: a.deliveryId, version: e.version })));
    expect(stored.results).toEqual(
      expectedRows.sort((x, y) => x.deliveryId.localeCompare(y.deliveryId) || x.version - y.version),
    );
    const historyVersions = await env.DB.prepare(
      "SELECT version FROM driver_availability_history WHERE org_id = ? AND driver_id = ? ORDER BY version",
    )
      .bind(o.org, driver.id)
      .all<{ version: number }>();
    expect(historyVersions.results.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);

    // Reads now come from D1 alone and are exactly what they were.
    expect(await readAll()).toEqual(during);

    // Flushing again (alarm twice, an explicit flush) changes nothing.
    await runAlarmNow(o);
    expect(await runInDurableObject(zoneObject(o), (zone: ZoneDispatcher) => zone.flushOutbox())).toEqual({ remaining: 0 });
    expect(await d1Count("delivery_audit_logs", o.org)).toBe(5);
    expect(await d1Count("driver_availability_history", o.org)).toBe(7);
    expect(await readAll()).toEqual(during);
  });

  it("a failed flush re-arms the one alarm at the backoff time, later after each failure", async () => {
    const o = await newOrg(QUIET_ZONE);
    const failed: number[] = [];
    await setOutboxTarget(o, failingD1(failed));
    const delivery = await o.addDelivery({ dispatch: "manual" });

    /** Runs a due flush that fails; answers how far ahead of the zone's now the alarm stands. */
    async function failOnce(aheadMs: number): Promise<number> {
      const attempts = failed.length;
      await moveZoneClock(o, aheadMs);
      await runAlarmNow(o);
      expect(failed.length).toBeGreaterThan(attempts);
      return runInDurableObject(zoneObject(o), async (zone: ZoneDispatcher, state) => {
        const alarm = await state.storage.getAlarm();
        expect(alarm).not.toBeNull();
        return alarm! - zone.clock();
      });
    }

    // The second failure happens while the alarm the first one armed is still ahead in real
    // time, so no real alarm can quietly correct a wrongly armed one before we look.
    const firstDelay = await failOnce(MINUTE + 1000);
    const secondDelay = await failOnce(3 * MINUTE);
    expect(await outboxSize(o)).toBe(1);
    // Retried later, not at once (no busy loop), within the 60 s cap, and later each time.
    expect(firstDelay).toBeGreaterThan(0);
    expect(secondDelay).toBeGreaterThan(0);
    expect(secondDelay).toBeLessThanOrEqual(MINUTE);
    expect(secondDelay).toBeGreaterThan(firstDelay);
    expect(versions(await auditOf(o, delivery.id))).toEqual([1]);
  });

  it("a batch whose D1 write landed but whose answer was lost is sent again without duplicates", async () => {
    const o = await newOrg(QUIET_ZONE);
    const driver = await o.addDriver();
    const lost: number[] = [];
    await setOutboxTarget(o, lostAckD1(lost));
    const [a, b] = [await o.addDelivery({ dispatch: "manual" }), await o.addDelivery({ dispatch: "manual" })];
    await ok(o.service.post(`/deliveries/${a.id}/cancel`, { reason: "duplicate_order" }));
    await ok(driver.client.post(`/drivers/${driver.id}/availability/resume`));
    await ok(driver.client.post(`/drivers/${driver.id}/availability/end-shift`));

    await moveZoneClock(o, MINUTE + 1000);
    await runAlarmNow(o);
    expect(lost.length).toBeGreaterThan(0);
    // The rows are in D1 AND still in the outbox (the zone saw a failure) ...
    expect(await d1Count("delivery_audit_logs", o.org)).toBe(3);
    expect(await d1Count("driver_availability_history", o.org)).toBe(2);
    expect(await outboxSize(o)).toBe(5);
    // ... and reads count each row once.
    const auditA = await auditOf(o, a.id);
    expect(versions(auditA)).toEqual([1, 2]);
    expect(auditA.summary.totalEvents).toBe(2);
    expect(versions(await auditOf(o, b.id))).toEqual([1]);
    const history = await historyOf(driver.client, driver.id);
    expect(history.map((h) => h.toState)).toEqual(["shift_ended", "available"]);

    // Back to the real D1: the same rows go again and are ignored (INSERT OR IGNORE).
    await setOutboxTarget(o, env.DB);
    await moveZoneClock(o, 5 * MINUTE);
    await runAlarmNow(o);
    expect(await outboxSize(o)).toBe(0);
    expect(await d1Count("delivery_audit_logs", o.org)).toBe(3);
    expect(await d1Count("driver_availability_history", o.org)).toBe(2);
    expect(await auditOf(o, a.id)).toEqual(auditA);
    expect(await historyOf(driver.client, driver.id)).toEqual(history);
  });
});

describe("the audit read", () => {
  it("lists events oldest first with gap-free versions and a summary that counts them, flushed or not", async () => {
    const o = await newOrg(QUIET_ZONE);
    const failed: number[] = [];
    await setOutboxTarget(o, failingD1(failed));
    const delivery = await o.addDelivery({ dispatch: "manual" });
    await ok(o.ops.post(`/deliveries/${delivery.id}/cancel`, { reason: "store_closed" }));

    const pending = await auditOf(o, delivery.id);
    expect(pending.deliveryId).toBe(delivery.id);
    expect(pending.events).toHaveLength(2);
    const [created, cancelled] = pending.events;
    expect(Object.keys(created).sort()).toEqual(["actorId", "actorType", "details", "eventType", "id", "timestamp", "version"]);
    expect(created).toMatchObject({ eventType: "created", version: 1, actorType: "service", actorId: o.service.sub });
    expect(cancelled).toMatchObject({ eventType: "delivery_cancelled", version: 2, actorType: "admin", actorId: o.ops.sub });
    expect(cancelled.details).toEqual(expect.objectContaining({ reason: "store_closed" }));
    expect(Date.parse(created.timestamp)).toBeLessThanOrEqual(Date.parse(cancelled.timestamp));
    expect(pending.summary).toStrictEqual({
      totalEvents: 2,
      byEventType: { created: 1, delivery_cancelled: 1 },
      byActorType: { service: 1, admin: 1 },
    });
    expect(await d1Count("delivery_audit_logs", o.org)).toBe(0);

    // Flushed to D1, the read is the same.
    await setOutboxTarget(o, env.DB);
    await moveZoneClock(o, 5 * MINUTE);
    await runAlarmNow(o);
    expect(await d1Count("delivery_audit_logs", o.org)).toBe(2);
    expect(await auditOf(o, delivery.id)).toEqual(pending);
  });
});

describe("a burst", () => {
  it("300 audit rows over 150 deliveries flush completely, in more than one batch, each row once", async () => {
    const o = await newOrg(QUIET_ZONE);
    const failed: number[] = [];
    await setOutboxTarget(o, failingD1(failed));

    const ids: string[] = [];
    for (let round = 0; round < 15; round++) {
      const created = await Promise.all(Array.from({ length: 10 }, () => o.addDelivery({ dispatch: "manual" })));
      ids.push(...created.map((d) => d.id));
    }
    for (let round = 0; round < 15; round++) {
      await Promise.all(
        ids.slice(round * 10, round * 10 + 10).map((id) => ok(o.service.post(`/deliveries/${id}/cancel`, { reason: "burst" }))),
      );
    }
    expect(await outboxSize(o)).toBe(300);
    expect(await d1Count("delivery_audit_logs", o.org)).toBe(0);
    expect(versions(await auditOf(o, ids[149]!))).toEqual([1, 2]);

    const batches: number[] = [];
    await setOutboxTarget(o, recordingD1(batches));
    await moveZoneClock(o, 5 * MINUTE);
    for (let run = 0; run < 6 && (await outboxSize(o)) > 0; run++) await runAlarmNow(o);

    expect(await outboxSize(o)).toBe(0);
    expect(batches.reduce((sum, n) => sum + n, 0)).toBe(300);
    expect(batches.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...batches)).toBeLessThan(300);
    expect(await d1Count("delivery_audit_logs", o.org)).toBe(300);
    const complete = await env.DB.prepare(
      `SELECT count(*) AS n FROM (
         SELECT delivery_id FROM delivery_audit_logs WHERE org_id = ? GROUP BY delivery_id
         HAVING count(*) = 2 AND min(version) = 1 AND max(version) = 2)`,
    )
      .bind(o.org)
      .first<{ n: number }>();
    expect(complete?.n).toBe(150);
    expect(versions(await auditOf(o, ids[0]!))).toEqual([1, 2]);
  });
});
