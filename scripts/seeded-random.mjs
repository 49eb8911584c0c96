/**
 * mulberry32: a small, fast, seedable PRNG, so a run's draws are reproducible from its seed.
 * Shared by the simulator and the matching benchmark (types in seeded-random.d.mts).
 */
export function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
