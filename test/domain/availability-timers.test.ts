import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { changeAvailability } from "../../src/domain/availability-changes";
import type { AvailabilityCommand } from "../../src/domain/availability-machine";
import { nextAvailability } from "../../src/domain/availability-machine";
import { recordLocation } from "../../src/domain/driver-roster";
import { DomainError } from "../../src/domain/errors";
import type { Actor } from "../../src/domain/model";
import { fireDueTimers } from "../../src/domain/timers";
import { memoryZone, T0 } from "./zone-fixture";

const driverActor = (id: string): Actor => ({ type: "driver", id });
const MIN = 60_000;

describe("break expiry timer", () => {
  it("makes the driver available at breakUntil, actor system, reason break_expired", () => {
    // A driver on break who is not heard from goes offline first (docs/api.md), so keep them heard.
    const z = memoryZone({ offlineAfterSeconds: 7200 });
    const d = z.addDriver();
    z.run(T0, (tx) => changeAvailability(tx, d.id, "resume", driverActor(d.id)));
    z.run(T0 + 1000, (tx) => changeAvailability(tx, d.id, "take_break", driverActor(d.id), { durationMinutes: 30 }));
    expect(z.state.timer("break_end", d.id)?.dueAt).toBe(T0 + 1000 + 30 * MIN);

    const early = z.run(T0 + 29 * MIN, (tx) => fireDueTimers(tx));
    expect(early.breaksEnded).toEqual([]);
    expect(z.state.drivers.get(d.id)?.availability).toBe("on_break");

    const due = z.run(T0 + 1000 + 30 * MIN, (tx) => ({ ...fireDueTimers(tx), history: tx.changes.history }));
    expect(due.breaksEnded.map((b) => [b.driver.id, b.breakDurationMinutes])).toEqual([[d.id, 30]]);
    expect(due.history.map((h) => [h.fromState, h.toState, h.actorType, h.reason, h.version])).toEqual([
      ["on_break", "available", "system", "break_expired", 3],
    ]);
    const driver = z.state.drivers.get(d.id)!;
    expect(driver.availability).toBe("available");
    expect(z.state.timer("break_end", d.id)).toBeUndefined();
  });

  it("does nothing when it fires again or after the driver resumed early", () => {
    const z = memoryZone({ offlineAfterSeconds: 3600 });
    const d = z.addDriver();
    z.run(T0, (tx) => changeAvailability(tx, d.id, "resume", driverActor(d.id)));
    z.run(T0, (tx) => changeAvailability(tx, d.id, "take_break", driverActor(d.id), { durationMinutes: 10 }));
    z.run(T0 + MIN, (tx) => changeAvailability(tx, d.id, "resume", driverActor(d.id)));
    expect(z.state.timer("break_end", d.id)).toBeUndefined();
    const version = z.state.drivers.get(d.id)!.historyVersion;
    const outcome = z.run(T0 + 11 * MIN, (tx) => {
      tx.state.timers.set(`break_end:${d.id}`, { kind: "break_end", ref: d.id, dueAt: T0 + 10 * MIN });
      return fireDueTimers(tx);
    });
    expect(outcome.breaksEnded).toEqual([]);
    expect(z.state.drivers.get(d.id)!.historyVersion).toBe(version);
  });
});

describe("offline detection", () => {
  it("takes a silent available driver offline once offlineAfterSeconds pass", () => {
    const z = memoryZone({ offlineAfterSeconds: 90 });
    const d = z.addDriver();
    z.run(T0, (tx) => changeAvailability(tx, d.id, "resume", driverActor(d.id)));
    expect(z.state.timer("liveness", "zone")?.dueAt).toBe(T0 + 90_000);
    expect(z.run(T0 + 89_999, (tx) => fireDueTimers(tx)).wentOffline).toEqual([]);
    const outcome = z.run(T0 + 90_000, (tx) => fireDueTimers(tx));
    expect(outcome.wentOffline.map((x) => x.id)).toEqual([d.id]);
    expect(z.state.drivers.get(d.id)?.availability).toBe("offline");
  });

  it("keeps a driver who reports locations, and re-arms for the next deadline", () => {
    const z = memoryZone({ offlineAfterSeconds: 90 });
    const quiet = z.addDriver();
    const chatty = z.addDriver();
    for (const d of [quiet, chatty]) z.run(T0, (tx) => changeAvailability(tx, d.id, "resume", driverActor(d.id)));
    z.run(T0 + 60_000, (tx) => recordLocation(tx, chatty.id, { lat: 12.951, lon: 77.601 }));
    const outcome = z.run(T0 + 90_000, (tx) => fireDueTimers(tx));
    expect(outcome.wentOffline.map((x) => x.id)).toEqual([quiet.id]);
    expect(z.state.drivers.get(chatty.id)?.availability).toBe("available");
    expect(z.state.timer("liveness", "zone")?.dueAt).toBe(T0 + 150_000);
  });

  it("persists a position at most every 10 s but always keeps the newest in memory", () => {
    const z = memoryZone();
    const d = z.addDriver();
    const durable = (at: number, lat: number) =>
      z.run(at, (tx) => {
        recordLocation(tx, d.id, { lat, lon: 77.6 });
        return tx.changes.drivers.get(d.id)!.durable;
      });
    expect(durable(T0 + 1000, 12.951)).toBe(false);
    expect(durable(T0 + 9_999, 12.952)).toBe(false);
    expect(durable(T0 + 10_000, 12.953)).toBe(true);
    expect(durable(T0 + 10_001, 12.954)).toBe(false);
    expect(z.state.drivers.get(d.id)?.location?.lat).toBe(12.954);
  });
});

describe("availability changes over any command sequence", () => {
  const commands: AvailabilityCommand[] = ["resume", "take_break", "end_shift", "pause", "unpause", "went_offline"];
  it("follow the machine exactly, keep history versions gap-free and break timers in step", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...commands), { maxLength: 40 }), (sequence) => {
        const z = memoryZone();
        const d = z.addDriver();
        let expectedVersion = 0;
        sequence.forEach((command, i) => {
          const before = z.state.drivers.get(d.id)!.availability;
          const expected = nextAvailability(before, command);
          try {
            z.run(T0 + i * 1000, (tx) =>
              changeAvailability(tx, d.id, command, driverActor(d.id), { durationMinutes: 15 }),
            );
            expectedVersion++;
            expect(expected).not.toBeNull();
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
            expect(expected).toBeNull();
          }
          const driver = z.state.drivers.get(d.id)!;
          expect(driver.availability).toBe(expected ?? before);
          expect(driver.historyVersion).toBe(expectedVersion);
          expect(z.state.timer("break_end", d.id) !== undefined).toBe(driver.availability === "on_break");
        });
      }),
      { numRuns: 300 },
    );
  });
});
