/**
 * The straggler detector's peer model (core/stragglers.ts): for one resource in one minute, what a worker
 * shows at a given load, fitted over the whole fleet's readings that minute, and how widely healthy
 * workers spread around it. The detector observes each worker's excess over it.
 */
import { StragglerSettings } from './straggler-settings';
import { fitLine, medianInPlace } from './util/robust-stats';

/**
 * One minute's reference for a resource. A worker at load x is expected at `a + b·x` when the line was
 * fitted, else (or when its load is unknown) at `middle`, the median; `spread` is the normal state's
 * width and `bottleneckSpread` the bottlenecked state's, with their logs, the same for every worker.
 */
export interface PeerModel {
  readonly fitted: boolean;
  readonly middle: number;
  readonly a: number;
  readonly b: number;
  readonly spread: number;
  readonly bottleneckSpread: number;
  readonly logSpread: number;
  readonly logBottleneckSpread: number;
}

/** What the peers show at `load` (NaN: unknown). */
export function expectedAt(m: PeerModel, load: number): number {
  return Number.isNaN(load) || !m.fitted ? m.middle : m.a + m.b * load;
}

/**
 * Buffers the fits work in, kept between calls: this runs per minute per resource over the whole fleet
 * (tens of thousands of times in a simulated week), and nine typed arrays allocated per fit were a large
 * share of the simulator's garbage.
 */
class Scratch {
  size = 0;
  ys = new Float64Array(0);
  xs = new Float64Array(0);
  wx = new Float64Array(0);
  wy = new Float64Array(0);
  off = new Float64Array(0);
  copy = new Float64Array(0);

  fit(n: number): this {
    if (n > this.size) {
      this.size = Math.max(n, 2 * this.size, 64);
      for (const k of ['ys', 'xs', 'wx', 'wy', 'off', 'copy'] as const) this[k] = new Float64Array(this.size);
    }
    return this;
  }
}
const scratch = new Scratch();
const line = { a: 0, b: 0 };

/**
 * One minute's peer model for a resource, over the n workers' readings from `from` on (`values`, NaN
 * when none; `loads`, NaN when unknown): a line (pressure against load) by least squares over every
 * worker with a reading, refitted once without the points more than 3 spreads off it, so a straggler (one
 * of many) barely moves it. The spread is 1.4826 × the median absolute residual (a normal's σ), with a
 * floor. Without loads for enough workers the line is flat at the median. Undefined when too few workers have a reading, or when more than the
 * allowed share sit far above the line: then that minute is the fleet's load or a mixed fleet, not a
 * straggler. Every sum and every median takes the points in worker order.
 */
export function peerModel(values: Float64Array, loads: Float64Array, from: number, n: number, s: StragglerSettings): PeerModel | undefined {
  const { ys, xs, wx, wy, off, copy } = scratch.fit(n);
  let count = 0;
  for (let k = from; k < from + n; k++) {
    const y = values[k];
    if (Number.isNaN(y)) continue;
    ys[count] = y;
    xs[count] = loads[k];
    count++;
  }
  if (count < s.minPeers) return undefined;
  let withLoad = 0;
  for (let j = 0; j < count; j++) {
    if (Number.isNaN(xs[j])) continue;
    wx[withLoad] = xs[j];
    wy[withLoad] = ys[j];
    withLoad++;
  }
  copy.set(ys.subarray(0, count));
  const middle = medianInPlace(copy, count);
  line.a = middle;
  line.b = 0;
  const fitted = withLoad >= s.minPeers;
  if (fitted) {
    fitLine(wx, wy, withLoad, line);
    for (let j = 0; j < withLoad; j++) off[j] = Math.abs(wy[j] - line.a - line.b * wx[j]);
    copy.set(off.subarray(0, withLoad));
    const cut = 3 * Math.max(s.noiseFloorPercent, 1.4826 * medianInPlace(copy, withLoad));
    let kept = 0;
    for (let j = 0; j < withLoad; j++) {
      if (off[j] > cut) continue;
      wx[kept] = wx[j];
      wy[kept] = wy[j];
      kept++;
    }
    if (kept >= s.minPeers) fitLine(wx, wy, kept, line);
  }
  const { a, b } = line;
  // The residuals, in `off` (its fit is done with).
  const residuals = off;
  let high = 0;
  for (let j = 0; j < count; j++) {
    residuals[j] = ys[j] - (Number.isNaN(xs[j]) || !fitted ? middle : a + b * xs[j]);
    if (residuals[j] >= s.bottleneckExcessPercent / 2) high++;
  }
  // One worker far above the rest is what a straggler looks like, however small the fleet.
  if (high > Math.max(1, Math.floor(s.maxBottleneckedShare * count))) return undefined;
  copy.set(residuals.subarray(0, count));
  const center = medianInPlace(copy, count);
  for (let j = 0; j < count; j++) residuals[j] = Math.abs(residuals[j] - center);
  const spread = Math.max(s.noiseFloorPercent, 1.4826 * medianInPlace(residuals, count));
  // A bottleneck's excess varies with how busy the worker is: its state is wider than the normal one.
  const bottleneckSpread = Math.max(spread, s.bottleneckExcessPercent / 2);
  // The model outlives this call in a memo: it keeps the fitted line, not the points.
  return { fitted, middle, a, b, spread, bottleneckSpread, logSpread: Math.log(spread), logBottleneckSpread: Math.log(bottleneckSpread) };
}
