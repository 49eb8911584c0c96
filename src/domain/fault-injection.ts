import { isRelaxedEnvironment } from "./environment";

/*
 * Test-only fault injection into the zone outbox's writes to D1, so end-to-end tests can prove
 * that failing writes lose and duplicate nothing. Production never injects: the rate is honoured
 * only in a relaxed environment (development/test), so a stray variable in a deployed config
 * cannot make a zone fail its writes on purpose.
 */

/** The share of outbox writes to fail, from the `FAULT_D1_WRITE_FAILURE_RATE` var: 0 unless relaxed, clamped to [0, 1]. */
export function d1WriteFailureRate(environment: string | undefined, configured: string | undefined): number {
  if (!isRelaxedEnvironment(environment)) return 0;
  const rate = Number(configured);
  return Number.isFinite(rate) && rate > 0 ? Math.min(rate, 1) : 0;
}

/**
 * How one write fails, if at all: "refused" before D1 stores anything, or "answer_lost" after D1
 * stored the batch (the caller sees an error although the rows are in: the case that would
 * duplicate rows if a retry were not idempotent).
 */
export type D1WriteFault = "none" | "refused" | "answer_lost";

/** The fault for one write, from one uniform draw in [0, 1): the failing band [0, rate) is split evenly between the two kinds. */
export function d1WriteFault(rate: number, random: number): D1WriteFault {
  if (random >= rate) return "none";
  return random < rate / 2 ? "refused" : "answer_lost";
}
