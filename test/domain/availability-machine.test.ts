import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Availability } from "../../src/contracts/statuses";
import {
  type AvailabilityCommand,
  actorTypeFor,
  applyAvailabilityCommand,
  isMatchable,
  nextAvailability,
} from "../../src/domain/availability-machine";
import { DomainError } from "../../src/domain/errors";

const STATES: Availability[] = [
  "available",
  "busy",
  "on_break",
  "shift_ended",
  "offline",
  "paused",
];
const COMMANDS: AvailabilityCommand[] = [
  "resume",
  "take_break",
  "end_shift",
  "assign",
  "assignment_ended",
  "break_expired",
  "went_offline",
  "pause",
  "unpause",
];

// docs/api-notes.md "Drivers", written out move by move, independently of the implementation.
const LEGAL: [from: Availability, command: AvailabilityCommand, to: Availability][] = [
  ["offline", "resume", "available"],
  ["shift_ended", "resume", "available"],
  ["on_break", "resume", "available"],
  ["available", "take_break", "on_break"],
  ["available", "end_shift", "shift_ended"],
  ["on_break", "end_shift", "shift_ended"],
  ["offline", "end_shift", "shift_ended"],
  ["available", "assign", "busy"],
  ["busy", "assignment_ended", "available"],
  ["on_break", "break_expired", "available"],
  ["available", "went_offline", "offline"],
  ["on_break", "went_offline", "offline"],
  ["available", "pause", "paused"],
  ["on_break", "pause", "paused"],
  ["shift_ended", "pause", "paused"],
  ["offline", "pause", "paused"],
  ["paused", "unpause", "available"],
];
const expectedNext = (from: Availability, command: AvailabilityCommand) =>
  LEGAL.find(([f, c]) => f === from && c === command)?.[2] ?? null;

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("availability machine", () => {
  it("allows exactly the listed moves for every state and command", () => {
    for (const from of STATES) {
      for (const command of COMMANDS) {
        expect(nextAvailability(from, command), `${from} + ${command}`).toBe(
          expectedNext(from, command),
        );
      }
    }
  });

  it("rejects a disallowed command with a conflict naming the state and command", () => {
    const error = thrownBy(() => applyAvailabilityCommand("busy", "take_break"));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      kind: "conflict",
      message: "Driver is busy and cannot take_break",
    });
  });

  it("returns the new state for an allowed command", () => {
    expect(applyAvailabilityCommand("on_break", "break_expired")).toBe("available");
    expect(applyAvailabilityCommand("available", "assign")).toBe("busy");
  });

  it("records drivers, admins and the system as the actors of their commands", () => {
    expect(Object.fromEntries(COMMANDS.map((c) => [c, actorTypeFor(c)]))).toEqual({
      resume: "driver",
      take_break: "driver",
      end_shift: "driver",
      assign: "system",
      assignment_ended: "system",
      break_expired: "system",
      went_offline: "system",
      pause: "admin",
      unpause: "admin",
    });
  });

  it("matches only available drivers", () => {
    expect(STATES.filter(isMatchable)).toEqual(["available"]);
  });

  it("keeps busy and paused sealed over random command sequences", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STATES),
        fc.array(fc.constantFrom(...COMMANDS), { maxLength: 40 }),
        (start, commands) => {
          let state = start;
          for (const command of commands) {
            const next = nextAvailability(state, command);
            expect(next).toBe(expectedNext(state, command));
            if (next === null) {
              expect(() => applyAvailabilityCommand(state, command)).toThrow(
                `Driver is ${state} and cannot ${command}`,
              );
              continue;
            }
            expect(applyAvailabilityCommand(state, command)).toBe(next);
            if (next === "busy") expect(command).toBe("assign");
            if (state === "busy") expect(command).toBe("assignment_ended");
            if (state === "paused") expect(command).toBe("unpause");
            state = next;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
