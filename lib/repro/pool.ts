/**
 * Runs async work over a list with a bound on how many run at once, keeping results
 * in input order: enough parallelism to hide file-system latency, few enough open
 * files to stay far from descriptor limits.
 * @module
 */

/** Maps `items` through `work`, at most `limit` at a time; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}
