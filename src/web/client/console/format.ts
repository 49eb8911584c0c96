/* How the console writes times and states. */

/** "45 s", "4 min 5 s", "2 h 10 min". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ${s % 60} s`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** "ready", "picked_up" → "picked up": the API's states, readable. */
export function stateLabel(state: string): string {
  return state.replace(/_/g, " ");
}

/** A clock time in the operator's own time zone, for the feed. */
export function clock(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** "health score 42, below 50" / "23 unassigned orders, above 20". */
export function alertLabel(alert: "low_health" | "high_unassigned", value: number, threshold: number): string {
  return alert === "low_health" ? `health score ${value}, below ${threshold}` : `${value} unassigned orders, above ${threshold}`;
}
