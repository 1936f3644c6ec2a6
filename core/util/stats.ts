/** Small statistics over samples, shared by the simulator, the workload tools and the benches. */

/** Percentile of a sample (nearest rank); 0 for an empty one. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
