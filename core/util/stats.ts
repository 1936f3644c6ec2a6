/** Small statistics over samples, shared by the simulator, the workload tools and the benches. */

/** Percentile of a sample (nearest rank); 0 for an empty one. */
export function percentile(xs: readonly number[], p: number): number {
  return percentiles(xs, [p])[0];
}

/** Several percentiles of one sample (nearest rank), sorting it once; 0 each for an empty one. */
export function percentiles(xs: readonly number[], ps: readonly number[]): number[] {
  if (xs.length === 0) return ps.map(() => 0);
  const sorted = sortedCopy(xs);
  return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]);
}

/**
 * The sample in ascending order, as `[...xs].sort((a, b) => a - b)` orders it. A Float64Array sorts
 * numbers without calling a comparator per comparison: the simulator's million-query samples sort
 * several times faster. It orders −0 before 0 and puts NaN last, where the comparator keeps them where
 * they fall, so a sample holding either takes the comparator.
 */
function sortedCopy(xs: readonly number[]): ArrayLike<number> {
  const typed = Float64Array.from(xs);
  for (const x of typed) if (x !== x || Object.is(x, -0)) return [...xs].sort((a, b) => a - b);
  return typed.sort();
}
