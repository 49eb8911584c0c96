/**
 * Runs `step` over `items`, at most `limit` at a time; answers the results in order. Shared by
 * the simulator, the benchmarks and the end-to-end tests (types in pool.d.mts).
 */
export async function pool(items, limit, step) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await step(items[i], i);
      }
    }),
  );
  return results;
}
