import { isLogged } from "../domain/log-level";

/**
 * One JSON line per zone decision on stdout, beside the Worker's request line: the traceId ties
 * them together. Only names, ids and counts are logged, never the command's input (it carries
 * phones, names, reasons and positions), so the line costs one small stringify even on a
 * location tick.
 */
export interface DecisionLine {
  command: string;
  orgId: string | null;
  zoneId: string | null;
  /** The request's trace; null for decisions of a socket message, the alarm or a zone move. */
  traceId: string | null;
  /** committed; refused (a rule said no, nothing stored); failed (a bug or storage error). */
  outcome: "committed" | "refused" | "failed";
  durationMs: number;
  /** Rows the decision's storage transaction wrote (0 for a location tick, which stays in memory). */
  rows: number;
  /** Socket events pushed, one per stream an event went to. */
  events: number;
}

export function logDecision(line: DecisionLine, logLevel: string | undefined): void {
  const level = line.outcome === "failed" ? "error" : "info";
  if (!isLogged(level, logLevel)) return;
  console.log(JSON.stringify({ level, msg: "decision", ...line }));
}
