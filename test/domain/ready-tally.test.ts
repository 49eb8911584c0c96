import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DeliveryRecord } from "../../src/domain/model";
import { ReadyTally } from "../../src/domain/ready-tally";

const T = Date.parse("2026-02-01T10:00:00.000Z");

/** Only the fields the tally reads. */
const delivery = (fields: { ready: boolean; createdAt: number; assigned: boolean; level: number | null }) =>
  ({
    id: crypto.randomUUID(),
    status: fields.ready ? "ready" : "assigned",
    createdAt: new Date(fields.createdAt).toISOString(),
    assignmentId: fields.assigned ? "a" : null,
    unassigned: fields.level === null ? null : { escalationLevel: fields.level },
  }) as DeliveryRecord;

const arbitraryDelivery = fc
  .record({ ready: fc.boolean(), createdAt: fc.integer({ min: T - 3 * 3_600_000, max: T }), assigned: fc.boolean(), level: fc.option(fc.integer({ min: 0, max: 3 })) })
  .map(delivery);

describe("ReadyTally", () => {
  it("sums what a full scan of the ready deliveries would find, after any adds and removals", () => {
    fc.assert(
      fc.property(fc.array(arbitraryDelivery, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 30 }), (all, removals) => {
        const tally = new ReadyTally();
        const held = [...all];
        for (const d of held) tally.count(d, 1);
        for (const r of removals) {
          if (held.length === 0) break;
          const [gone] = held.splice(r % held.length, 1);
          tally.count(gone, -1);
        }
        const ready = held.filter((d) => d.status === "ready");
        expect(tally.waiting).toBe(ready.length);
        expect(tally.escalated).toBe(ready.filter((d) => (d.unassigned?.escalationLevel ?? 0) >= 1).length);
        expect(tally.unassigned).toBe(ready.filter((d) => d.unassigned).length);
        const since = T - 3_600_000;
        const inWindow = ready.filter((d) => d.assignmentId === null && Math.floor(Date.parse(d.createdAt) / 60_000) >= Math.floor(since / 60_000));
        expect(tally.waitsSince(since, T)).toEqual([inWindow.length, inWindow.reduce((sum, d) => sum + T - Date.parse(d.createdAt), 0)]);
      }),
    );
  });

  it("sees a decision's writes without changing itself", () => {
    const waiting = delivery({ ready: true, createdAt: T - 60_000, assigned: false, level: 1 });
    const tally = new ReadyTally();
    tally.count(waiting, 1);
    const assigned = { ...waiting, status: "assigned" as const, assignmentId: "a" };
    const fresh = delivery({ ready: true, createdAt: T - 1_000, assigned: false, level: null });
    const seen = tally.seenWith([[waiting, assigned], [undefined, fresh]]);
    expect([seen.waiting, seen.escalated, seen.unassigned]).toEqual([1, 0, 0]);
    expect(seen.waitsSince(T - 3_600_000, T)).toEqual([1, 1_000]);
    expect([tally.waiting, tally.escalated, tally.waitsSince(T - 3_600_000, T)]).toEqual([1, 1, [1, 60_000]]);
  });
});
