/**
 * The unassigned-order ladder (docs/api-notes.md "Escalation and ops"), as time arithmetic only: a
 * delivery still `ready` reaches level n once `escalationSeconds[n-1]` seconds have passed since
 * its creation (at that instant exactly, and after). Levels: 1 ticket + ops notice, 2 widened
 * matching round, 3 critical notice.
 */

export const TOP_LEVEL = 3;

/** Every level as a count key, 0 (recorded, not escalated) to the top: "0" … "3". */
export const LEVEL_KEYS: readonly string[] = Array.from({ length: TOP_LEVEL + 1 }, (_, level) => String(level));

/** The highest level reached at `now` (0 before the first threshold). */
export function levelReached(createdAt: number, escalationSeconds: readonly number[], now: number): number {
  let level = 0;
  for (const [i, seconds] of escalationSeconds.slice(0, TOP_LEVEL).entries()) {
    if (now >= createdAt + seconds * 1000) level = i + 1;
  }
  return level;
}

/** When the level after `current` is reached, or null when the ladder is done. */
export function nextLevelAt(createdAt: number, escalationSeconds: readonly number[], current: number): number | null {
  const seconds = current < TOP_LEVEL ? escalationSeconds[current] : undefined;
  return seconds === undefined ? null : createdAt + seconds * 1000;
}

/** The levels to fire now, in order, each once: those above `current` up to what is reached. */
export function levelsToFire(current: number, reached: number): number[] {
  const levels: number[] = [];
  for (let level = current + 1; level <= Math.min(reached, TOP_LEVEL); level++) levels.push(level);
  return levels;
}
