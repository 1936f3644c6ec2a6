import { percentile, percentiles } from '../../../core/util/stats';
import { Rng } from '../../../sim/rng';

/** The definition: nearest rank over a copy sorted by the comparator. */
const byComparator = (xs: readonly number[], p: number) => {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};

describe('percentile', () => {
  const rng = new Rng(9);
  const samples: [string, number[]][] = [
    ['empty', []],
    ['one value', [4.2]],
    ['ties and negatives', [3, -1, 3, 0, 2.5, -7, 3, 0]],
    ['a thousand draws', Array.from({ length: 1000 }, () => Math.round(1000 * rng.normal()) / 10)],
    ['zeros of both signs', [0, -0, 1, -0, 0, -1]],
    ['NaN', [2, Number.NaN, 1, 3]],
    ['infinities', [Infinity, 1, -Infinity, 0]],
  ];
  test.each(samples)('is the nearest rank of the sorted sample (%s)', (_name, xs) => {
    for (const p of [0, 1, 25, 50, 95, 99, 100]) expect(Object.is(percentile(xs, p), byComparator(xs, p))).toBe(true);
    expect(percentiles(xs, [50, 95, 99]).map((v, k) => Object.is(v, byComparator(xs, [50, 95, 99][k])))).toEqual([true, true, true]);
  });

  test('leaves the sample as it was', () => {
    const xs = [3, 1, 2];
    percentile(xs, 50);
    expect(xs).toEqual([3, 1, 2]);
  });
});
