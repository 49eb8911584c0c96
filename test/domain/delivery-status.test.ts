import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DeliveryStatus } from "../../src/contracts/statuses";
import {
  assertDeliveryMove,
  auditEventForStatus,
  canMoveDelivery,
  isTerminalDelivery,
  isUnderWay,
} from "../../src/domain/delivery-status";
import { DomainError } from "../../src/domain/errors";

const STATUSES: DeliveryStatus[] = [
  "ready",
  "assigned",
  "picked_up",
  "in_transit",
  "delivered",
  "failed",
  "cancelled",
];

// Written out from docs/api.md independently of the implementation's table.
const LEGAL_MOVES = new Set([
  "ready>assigned",
  "ready>cancelled",
  "assigned>picked_up",
  "assigned>ready",
  "assigned>failed",
  "assigned>cancelled",
  "picked_up>in_transit",
  "picked_up>failed",
  "picked_up>cancelled",
  "in_transit>delivered",
  "in_transit>failed",
  "in_transit>cancelled",
]);
const TERMINAL: DeliveryStatus[] = ["delivered", "failed", "cancelled"];
const legalTargets = (from: DeliveryStatus) =>
  STATUSES.filter((to) => LEGAL_MOVES.has(`${from}>${to}`));

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** A requested move: any status, or (mostly, so walks get deep) a legal one picked by index. */
const anyMove = fc.record({ kind: fc.constant("any" as const), to: fc.constantFrom(...STATUSES) });
const legalMove = fc.record({ kind: fc.constant("legal" as const), pick: fc.nat({ max: 11 }) });
const requestedMove = fc.oneof(
  { arbitrary: anyMove, weight: 1 },
  { arbitrary: legalMove, weight: 3 },
);

describe("delivery status machine", () => {
  it("permits exactly the listed moves for every pair", () => {
    for (const from of STATUSES) {
      for (const to of STATUSES) {
        const legal = LEGAL_MOVES.has(`${from}>${to}`);
        expect(canMoveDelivery(from, to), `${from} -> ${to}`).toBe(legal);
      }
    }
  });

  it("rejects an illegal move with a conflict naming both states", () => {
    const error = thrownBy(() => assertDeliveryMove("delivered", "ready"));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      kind: "conflict",
      message: "Illegal delivery status transition from delivered to ready",
    });
  });

  it("accepts a legal move without throwing", () => {
    expect(() => assertDeliveryMove("in_transit", "delivered")).not.toThrow();
  });

  it("treats exactly delivered, failed and cancelled as terminal", () => {
    for (const status of STATUSES) {
      expect(isTerminalDelivery(status), status).toBe(TERMINAL.includes(status));
    }
  });

  it("treats exactly assigned, picked_up and in_transit as under way", () => {
    expect(STATUSES.filter(isUnderWay)).toEqual(["assigned", "picked_up", "in_transit"]);
  });

  it("maps each entered status to its audit event", () => {
    expect(STATUSES.map(auditEventForStatus)).toEqual([
      "assignment_reassigned",
      "driver_assigned",
      "pickup_completed",
      "delivery_started",
      "delivery_completed",
      "delivery_failed",
      "delivery_cancelled",
    ]);
  });

  it("never strays from the table over random sequences of requested moves", () => {
    const reached = new Set<DeliveryStatus>();
    fc.assert(
      fc.property(fc.array(requestedMove, { maxLength: 30, size: "max" }), (moves) => {
        let status: DeliveryStatus = "ready";
        for (const move of moves) {
          const targets = legalTargets(status);
          // A terminal state has no legal targets: a "legal" pick there tries to escape it.
          const to =
            move.kind === "any"
              ? move.to
              : (targets[move.pick % Math.max(1, targets.length)] ?? "ready");
          const allowed = canMoveDelivery(status, to);
          expect(allowed).toBe(LEGAL_MOVES.has(`${status}>${to}`));
          if (allowed) expect(() => assertDeliveryMove(status, to)).not.toThrow();
          else expect(() => assertDeliveryMove(status, to)).toThrow(DomainError);
          if (!allowed) continue;
          expect(TERMINAL).not.toContain(status);
          if (to === "delivered") expect(status).toBe("in_transit");
          status = to;
          reached.add(status);
        }
      }),
      { numRuns: 1000 },
    );
    // The walk must actually have reached the interesting states for the checks to mean much.
    expect([...reached].sort()).toEqual([...STATUSES].sort());
  });
});
