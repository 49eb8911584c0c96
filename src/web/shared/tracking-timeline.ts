/*
 * What the customer's tracking page says about a delivery: the timeline of customer-facing
 * statuses, and times in the zone's own clock.
 */

/** The customer-facing statuses of a delivery that goes to plan, in order. */
const TIMELINE = ["pending", "assigned", "picked_up", "in_transit", "delivered"] as const;

export const STATUS_LABEL: Record<string, string> = {
  pending: "Order received",
  assigned: "Driver assigned",
  picked_up: "Picked up",
  in_transit: "On the way",
  delivered: "Delivered",
  failed: "Delivery failed",
  cancelled: "Cancelled",
};

type StepState = "done" | "current" | "upcoming";

/** Each timeline step and where the delivery stands; a failed or cancelled one has no steps. */
export function timelineSteps(status: string): { status: string; label: string; state: StepState }[] {
  const at = TIMELINE.indexOf(status as (typeof TIMELINE)[number]);
  if (at < 0) return [];
  return TIMELINE.map((step, i) => ({
    status: step,
    label: STATUS_LABEL[step] ?? step,
    state: i < at ? "done" : i === at ? (step === "delivered" ? "done" : "current") : "upcoming",
  }));
}

/** "14:05" in the zone's timezone (falls back to UTC for an unknown zone name). */
export function clockTime(iso: string, timeZone: string): string {
  const date = new Date(iso);
  const options: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit", hour12: false };
  try {
    return new Intl.DateTimeFormat("en-GB", { ...options, timeZone }).format(date);
  } catch {
    return new Intl.DateTimeFormat("en-GB", { ...options, timeZone: "UTC" }).format(date);
  }
}

/** "updated 12 s ago" / "updated 3 min ago" / "updated just now". */
export function updatedAgo(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 2) return "updated just now";
  if (seconds < 120) return `updated ${seconds} s ago`;
  return `updated ${Math.round(seconds / 60)} min ago`;
}
