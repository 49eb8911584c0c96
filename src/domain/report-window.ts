import { iso } from "./model";

/*
 * The window of the ops reports (docs/api.md "Reports"): `[from, to)` in ISO instants. Absent `to`
 * is now, absent `from` 24 h before `to`; `from` after `to` or a span over 92 days (a quarter, so
 * a report stays one bounded index range) is refused.
 */

const HOUR_MS = 3_600_000;
const DEFAULT_SPAN_MS = 24 * HOUR_MS;
const MAX_SPAN_DAYS = 92;

export type ReportWindow = { ok: true; from: string; to: string } | { ok: false; path: string; message: string };

export function reportWindow(query: { from?: string; to?: string }, now: number): ReportWindow {
  const to = query.to === undefined ? now : Date.parse(query.to);
  const from = query.from === undefined ? to - DEFAULT_SPAN_MS : Date.parse(query.from);
  if (from > to) return { ok: false, path: "query.from", message: "must not be after to" };
  if (to - from > MAX_SPAN_DAYS * 24 * HOUR_MS) return { ok: false, path: "query.from", message: `the window may span at most ${MAX_SPAN_DAYS} days` };
  return { ok: true, from: iso(from), to: iso(to) };
}

/**
 * The nearest-rank percentile's position (1-based) among `n` sorted values: ⌈p/100 × n⌉, at
 * least 1; null when there are no values.
 */
export function nearestRank(percent: number, n: number): number | null {
  if (n === 0) return null;
  return Math.max(1, Math.ceil((percent * n) / 100));
}
