/** Runs `step` over `items`, at most `limit` at a time. */
export async function pool<T, R>(items: T[], limit: number, step: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await step(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return results;
}
