/**
 * How well two groupings of the same queries agree: the adjusted Rand index (Hubert and Arabie, 1985),
 * 1 for identical partitions, about 0 for a random one. Used to hold our signatures to the engines'
 * own grouping (pg_stat_statements query ids, libpg-query fingerprints, pt-fingerprint).
 */

const pairs = (n: number) => (n * (n - 1)) / 2;

/** The adjusted Rand index of two labelings of the same items (labels are compared for equality only). */
export function adjustedRandIndex(a: readonly string[], b: readonly string[]): number {
  if (a.length !== b.length) throw new Error(`labelings differ in length: ${a.length} and ${b.length}`);
  const n = a.length;
  if (n < 2) return 1;
  const cells = new Map<string, number>();
  const rows = new Map<string, number>();
  const cols = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const cell = `${a[i]}\u0000${b[i]}`;
    cells.set(cell, (cells.get(cell) ?? 0) + 1);
    rows.set(a[i], (rows.get(a[i]) ?? 0) + 1);
    cols.set(b[i], (cols.get(b[i]) ?? 0) + 1);
  }
  let index = 0;
  for (const c of cells.values()) index += pairs(c);
  let sumRows = 0;
  for (const c of rows.values()) sumRows += pairs(c);
  let sumCols = 0;
  for (const c of cols.values()) sumCols += pairs(c);
  const expected = (sumRows * sumCols) / pairs(n);
  const max = (sumRows + sumCols) / 2;
  // Both partitions all singletons (or both one cluster): identical, so perfect agreement.
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}

/** Label pairs one grouping joins and the other keeps apart: the merges and splits behind a low index. */
export function disagreements(ours: readonly string[], oracle: readonly string[]): { merged: [number, number][]; split: [number, number][] } {
  const firstByOurs = new Map<string, number>();
  const firstByOracle = new Map<string, number>();
  const merged: [number, number][] = [];
  const split: [number, number][] = [];
  const seenMerge = new Set<string>();
  const seenSplit = new Set<string>();
  for (let i = 0; i < ours.length; i++) {
    const o = firstByOurs.get(ours[i]);
    if (o === undefined) firstByOurs.set(ours[i], i);
    else if (oracle[o] !== oracle[i] && !seenMerge.has(`${oracle[o]}\u0000${oracle[i]}`)) {
      seenMerge.add(`${oracle[o]}\u0000${oracle[i]}`);
      merged.push([o, i]);
    }
    const r = firstByOracle.get(oracle[i]);
    if (r === undefined) firstByOracle.set(oracle[i], i);
    else if (ours[r] !== ours[i] && !seenSplit.has(`${ours[r]}\u0000${ours[i]}`)) {
      seenSplit.add(`${ours[r]}\u0000${ours[i]}`);
      split.push([r, i]);
    }
  }
  return { merged, split };
}
