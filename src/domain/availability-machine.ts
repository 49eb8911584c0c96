import type { ActorType } from "../contracts/common";
import type { Availability } from "../contracts/statuses";
import { conflict } from "./errors";

/** What may ask a driver's availability to change (docs/api-notes.md "Drivers"). */
export type AvailabilityCommand =
  | "resume"
  | "take_break"
  | "end_shift"
  | "assign"
  | "assignment_ended"
  | "break_expired"
  | "went_offline"
  | "pause"
  | "unpause";

interface Move {
  from: readonly Availability[];
  to: Availability;
  by: ActorType;
}

/** Every legal move, and nothing else: a command from a state not listed is a 409. */
const MOVES: Record<AvailabilityCommand, Move> = {
  resume: { from: ["offline", "shift_ended", "on_break"], to: "available", by: "driver" },
  take_break: { from: ["available"], to: "on_break", by: "driver" },
  end_shift: { from: ["available", "on_break", "offline"], to: "shift_ended", by: "driver" },
  assign: { from: ["available"], to: "busy", by: "system" },
  assignment_ended: { from: ["busy"], to: "available", by: "system" },
  break_expired: { from: ["on_break"], to: "available", by: "system" },
  went_offline: { from: ["available", "on_break"], to: "offline", by: "system" },
  // Never while busy: pausing must not strand a delivery that is under way.
  pause: {
    from: ["available", "on_break", "shift_ended", "offline"],
    to: "paused",
    by: "admin",
  },
  unpause: { from: ["paused"], to: "available", by: "admin" },
};

/** The state `command` leads to from `from`, or null when the command is not allowed there. */
export function nextAvailability(
  from: Availability,
  command: AvailabilityCommand,
): Availability | null {
  const move = MOVES[command];
  return move.from.includes(from) ? move.to : null;
}

export function applyAvailabilityCommand(
  from: Availability,
  command: AvailabilityCommand,
): Availability {
  const to = nextAvailability(from, command);
  if (to === null) throw conflict(`Driver is ${from} and cannot ${command}`);
  return to;
}

/** Who is recorded as having made the move in the availability history. */
export function actorTypeFor(command: AvailabilityCommand): ActorType {
  return MOVES[command].by;
}

/** Only an `available` driver may receive offers. */
export function isMatchable(availability: Availability): boolean {
  return availability === "available";
}

/** States a silent driver is taken out of (`available` / `on_break` → `offline`). */
export function isWatchedForSilence(availability: Availability): boolean {
  return availability === "available" || availability === "on_break";
}
