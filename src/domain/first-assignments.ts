import type { ZoneChanges } from "./zone-changes";
import type { ZoneState } from "./zone-state";

/** A delivery assigned for the first time: when it was created and how long it waited. */
export interface FirstAssignment {
  createdAt: number;
  waitMs: number;
}

/**
 * The deliveries a decision assigned for the first time (a delivery keeps its last assignment's
 * id after a release, so a reassignment is not a first one). `before` is the state the decision
 * ran on, not yet changed by it. Zone health averages these waits; the metrics count them.
 */
export function firstAssignments(before: ZoneState, changes: ZoneChanges): FirstAssignment[] {
  const found: FirstAssignment[] = [];
  for (const delivery of changes.deliveries.values()) {
    if (delivery.assignmentId === null || (before.deliveries.get(delivery.id)?.assignmentId ?? null) !== null) continue;
    const assignment = changes.assignments.get(delivery.assignmentId);
    if (!assignment) continue;
    const createdAt = Date.parse(delivery.createdAt);
    found.push({ createdAt, waitMs: Math.max(0, Date.parse(assignment.createdAt) - createdAt) });
  }
  return found;
}
