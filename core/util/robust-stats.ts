/**
 * The numeric helpers of the straggler detector's peer model (core/straggler-peers.ts): a median by
 * selection and a least-squares line, over the first `n` slots of Float64Arrays, so the detector can run
 * them on buffers it keeps between calls instead of arrays allocated per minute.
 */

/** The median, by selection (Hoare's quickselect) on a copy: linear on average, and this runs per minute per resource. */
export function median(values: readonly number[]): number {
  const a = Float64Array.from(values);
  return medianInPlace(a, a.length);
}

/** The median of the first `n` values of `a`, rearranging them. */
export function medianInPlace(a: Float64Array, n: number): number {
  const upper = select(a, n, n >> 1);
  if (n % 2 === 1) return upper;
  // The lower middle is the largest of the elements the selection left below the upper one.
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}

/** Rearranges the first `n` values of `a` so a[k] is their k-th smallest, with everything before it no larger; returns a[k]. */
function select(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

/**
 * Least squares y = a + b·x over the first `n` points, with b ≥ 0 (more work never lowers pressure);
 * flat at the mean when x does not vary. The line is written to `out`: no object per fit.
 */
export function fitLine(xs: Float64Array, ys: Float64Array, n: number, out: { a: number; b: number }): void {
  let tx = 0;
  let ty = 0;
  for (let j = 0; j < n; j++) tx += xs[j];
  for (let j = 0; j < n; j++) ty += ys[j];
  const mx = tx / n;
  const my = ty / n;
  let sxy = 0;
  let sxx = 0;
  for (let j = 0; j < n; j++) {
    sxy += (xs[j] - mx) * (ys[j] - my);
    sxx += (xs[j] - mx) ** 2;
  }
  const b = sxx > 1e-12 ? Math.max(0, sxy / sxx) : 0;
  out.a = my - b * mx;
  out.b = b;
}
