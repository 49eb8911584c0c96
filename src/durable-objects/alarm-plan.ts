/*
 * The zone has one alarm for everything it waits for: its timers (offer expiry, break ends,
 * liveness, escalation), the next outbox flush and the next webhook sends (ops notices, delivery events).
 */

export interface AlarmWants {
  /** Earliest due timer, flush and webhook send (null: nothing of that kind waits). */
  dueTimes: (number | null)[];
  /** Where the alarm stands now (null: none set). */
  standing: number | null;
  now: number;
}

/**
 * When to set the alarm, or null to leave it as it is. An alarm already standing at or before
 * the earliest due time will come; one in the past has fired (or is firing now) and may not look
 * again, so it does not count.
 */
export function nextAlarmAt({ dueTimes, standing, now }: AlarmWants): number | null {
  const due = dueTimes.filter((t): t is number => t !== null);
  if (due.length === 0) return null;
  const earliest = Math.min(...due);
  if (standing !== null && standing > now && standing <= earliest) return null;
  return earliest;
}
