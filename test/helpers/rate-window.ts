/**
 * The rate limits count in fixed 60 s windows. A test that must see the limit bite waits, when
 * fewer than `neededMs` are left in the current window, for the next one: otherwise its requests
 * may straddle two windows and never reach the limit in either (about 1 run in 80 did).
 */
export async function startInOneRateWindow(neededMs: number): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < neededMs) await new Promise((resolve) => setTimeout(resolve, left + 100));
}
