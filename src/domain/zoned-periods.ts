/*
 * Calendar periods in a zone's own time zone (IANA), as UTC instants. A "day" is the local
 * calendar day, a "week" the ISO week (Monday to Sunday), both half-open: [from, to).
 */

const DAY_MS = 86_400_000;

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock reading of `instant` in `timeZone`, as if that reading were UTC (ms, whole seconds). */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const { type, value } of formatterFor(timeZone).formatToParts(instant)) parts[type] = Number(value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

export function localDate(instant: number, timeZone: string): LocalDate {
  const wall = new Date(wallClock(instant, timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

/** Every zone's offset lies within this of UTC (−12 h … +14 h, with room to spare). */
const MAX_OFFSET_MS = 15 * 3_600_000;

/**
 * The first instant of a local calendar day: the first second whose wall clock reads that day's
 * 00:00 or later. Searched, not computed from one offset, so a DST change on that very day is
 * handled: where midnight is skipped (00:00 → 01:00) the day starts at the jump, and where it
 * repeats (01:00 → 00:00) at its first occurrence.
 */
function startOfLocalDay(date: LocalDate, timeZone: string): number {
  const midnight = Date.UTC(date.year, date.month - 1, date.day);
  // In seconds: wallClock(lo) < midnight <= wallClock(hi).
  let lo = (midnight - MAX_OFFSET_MS) / 1000;
  let hi = (midnight + MAX_OFFSET_MS) / 1000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallClock(mid * 1000, timeZone) >= midnight) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

/** The local date `days` after `date` (calendar arithmetic, no time zone involved). */
function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

export interface Period {
  from: number;
  to: number;
}

/** The local calendar day that holds `now`. */
export function dayAround(now: number, timeZone: string): Period {
  const today = localDate(now, timeZone);
  return { from: startOfLocalDay(today, timeZone), to: startOfLocalDay(addDays(today, 1), timeZone) };
}

/** The ISO week (Monday start) that holds `now`, in local days. */
export function weekAround(now: number, timeZone: string): Period {
  const today = localDate(now, timeZone);
  const weekday = new Date(Date.UTC(today.year, today.month - 1, today.day)).getUTCDay();
  const monday = addDays(today, -((weekday + 6) % 7));
  return { from: startOfLocalDay(monday, timeZone), to: startOfLocalDay(addDays(monday, 7), timeZone) };
}
