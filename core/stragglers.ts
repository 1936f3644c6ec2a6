/**
 * Straggler detection (Lube, HotCloud '17: "a single worker node is bottlenecked continuously while all
 * nodes are rarely bottlenecked at the same time"). Pure; the straggler function and the simulator both
 * call it.
 *
 * Per worker and per resource, a two-state hidden Markov model (normal, bottlenecked) is filtered over a
 * sliding window of one-minute pressure readings, as Lube's sliding HMM. What it observes is the worker's
 * excess over its peers' median that minute, so load the whole fleet shares is not a bottleneck (the
 * median rises with it) and a resource many workers are short of at once is left to scaling. A worker is
 * a straggler when the model has held it bottlenecked, at `confidence`, for `replaceAfterMinutes` in a row.
 */

/** The per-instance pressure metrics the agent publishes (docs/stragglers.md), each a percentage of time. */
export const PRESSURE_METRICS = {
  /** CPU time the hypervisor gave to another guest while this one was runnable (/proc/stat steal). */
  cpuSteal: 'CpuStealPercent',
  /** Linux PSI: share of time some task waited for a CPU (/proc/pressure/cpu "some"). */
  cpuPressure: 'CpuPressurePercent',
  /** Linux PSI: share of time some task stalled on memory (reclaim, swap-in, thrashing). */
  memoryPressure: 'MemoryPressurePercent',
  /** Linux PSI: share of time some task stalled on block I/O. */
  ioPressure: 'IoPressurePercent',
  /** Share of time the busiest block device had I/O in flight (/proc/diskstats io_ticks). */
  diskBusy: 'DiskBusyPercent',
} as const;

export type PressureResource = keyof typeof PRESSURE_METRICS;
export const PRESSURE_RESOURCES = Object.keys(PRESSURE_METRICS) as PressureResource[];

/** Published by the straggler function, per instance: its trailing bottlenecked minutes (0 when none). */
export const BOTTLENECKED_MINUTES_METRIC = 'BottleneckedMinutes';

/** The detector's tunables (docs/stragglers.md explains each). */
export interface StragglerSettings {
  /** Minutes of readings the HMM filters each run: Lube's sliding window. */
  readonly windowMinutes: number;
  /** Fewer workers with a reading than this in a minute, and that minute says nothing about anyone. */
  readonly minPeers: number;
  /** Excess over the peers' median, in percentage points, that the bottlenecked state expects. */
  readonly bottleneckExcessPercent: number;
  /** The normal state's spread is the peers' (robust) spread, but never below this many points. */
  readonly noiseFloorPercent: number;
  /**
   * Posterior probability of the bottlenecked state that starts a bottlenecked run; the run then lasts
   * while that state stays the likelier one (posterior ≥ 0.5).
   */
  readonly confidence: number;
  /** Consecutive bottlenecked minutes that make a straggler (and, when replacing, get it replaced). */
  readonly replaceAfterMinutes: number;
  /**
   * When more than this share of the workers (and more than one) sit half a bottleneck's excess above the
   * median on a resource, that minute is the fleet's load (or a mixed fleet), not a straggler: it is not
   * evidence.
   */
  readonly maxBottleneckedShare: number;
}

export const DEFAULT_STRAGGLER_SETTINGS: StragglerSettings = {
  windowMinutes: 60,
  minPeers: 3,
  bottleneckExcessPercent: 20,
  noiseFloorPercent: 5,
  confidence: 0.95,
  // A healthy worker's transient bottleneck (a long stage that spills or scans on one worker, a
  // neighbour's burst) ends when its cause does, with a long tail: in the simulator's model 1 in 800 lasts
  // past 30 minutes, which made a clean fleet replace about 6 healthy workers per 10,000 instance-hours.
  // Past 50 minutes it is under 1 in 5,000 (under 1 per 10,000 instance-hours); a degraded host stays slow.
  replaceAfterMinutes: 50,
  maxBottleneckedShare: 0.25,
};

/**
 * The HMM's per-minute transition probabilities. Entering a bottleneck is rare and it tends to last;
 * the persistence requirement on top, not these, is what keeps a spike from making a straggler.
 */
const ENTER = 0.02;
const LEAVE = 0.1;
/** The stationary share of the bottlenecked state: the prior at the window's start. */
const PRIOR = ENTER / (ENTER + LEAVE);

/**
 * One worker's readings: per resource, one value per minute of the window (oldest first), null (or any
 * non-finite number, NaN in a Float64Array) when missing; and `load`, how much work it held each minute
 * (its average running tasks), which is what makes a busier worker's higher pressure expected rather
 * than a bottleneck. Any array-like will do: the simulator hands over typed views of its buffers.
 */
export type WorkerPressure = Partial<Record<PressureResource | 'load', ArrayLike<number | null>>>;

/** What the detector concluded about one worker, with the evidence an operator needs to check it. */
export interface WorkerVerdict {
  readonly instanceId: string;
  /** Held bottlenecked for `replaceAfterMinutes` in a row, up to the newest minute. */
  readonly straggler: boolean;
  /** Trailing minutes in a row held bottlenecked on its worst resource (0 when not bottlenecked now). */
  readonly bottleneckedMinutes: number;
  /** The worst resource: the one with the longest trailing run (ties: the higher posterior). */
  readonly resource?: PressureResource;
  /** P(bottlenecked) on that resource at the newest minute. */
  readonly posterior: number;
  /** The model's forecast: P(bottlenecked) a minute from now. */
  readonly forecast: number;
  /** The newest reading on that resource, and what its peers showed at its load that minute, in percent. */
  readonly value?: number;
  readonly expected?: number;
}

/**
 * Judges every worker of one fleet. `pressure` holds each worker's window (all the same length); a worker
 * with no readings gets a verdict of "not bottlenecked", never a guess.
 *
 * Run every minute over a whole fleet (the simulator: 2 million worker-minutes a week of 500 workers), so
 * the filter's state lives in typed arrays allocated once per call, each worker's beliefs are found once
 * per call, not once per resource, and carried beliefs are updated in place.
 */
export function detectStragglers(pressure: ReadonlyMap<string, WorkerPressure>, settings: StragglerSettings, memo?: PeerModelMemo): WorkerVerdict[] {
  const ids = sortedIds(pressure, memo);
  const n = ids.length;
  const windows = ids.map((id) => pressure.get(id));
  const loads = windows.map((w) => w?.load);
  // Each worker's best verdict so far, as numbers: its run, posterior, resource (-1: none yet), value, expected.
  const bestRun = new Int32Array(n);
  const bestPosterior = new Float64Array(n);
  const bestResource = new Int8Array(n).fill(-1);
  const bestValue = new Float64Array(n);
  const bestExpected = new Float64Array(n);
  // The filter's state on the resource being judged, reset for each.
  const posterior = new Float64Array(n);
  const run = new Int32Array(n);
  const lastValue = new Float64Array(n);
  const lastExpected = new Float64Array(n);
  const start = new Int32Array(n);
  const judgedAt = new Float64Array(n);
  const carried = new Float64Array(n);
  const series: (ArrayLike<number | null> | undefined)[] = new Array(n);
  const values: (number | undefined)[] = new Array(n);
  // Each minute's loads, read once for every resource.
  const loadsAt: (number | undefined)[][] = [];
  const held = memo ? ids.map((id) => memo.beliefs.get(id)) : undefined;
  for (let r = 0; r < PRESSURE_RESOURCES.length; r++) {
    const resource = PRESSURE_RESOURCES[r];
    let minutes = 0;
    for (let k = 0; k < n; k++) {
      series[k] = windows[k]?.[resource];
      minutes = Math.max(minutes, series[k]?.length ?? 0);
    }
    if (minutes === 0) continue;
    posterior.fill(PRIOR);
    run.fill(0);
    lastValue.fill(NaN);
    lastExpected.fill(NaN);
    judgedAt.fill(NaN);
    // With a memo, a worker's belief as of its last judged reading carries on from there; without one
    // (a cold start, a new worker) it is filtered over the whole window from the stationary prior.
    const minuteAt = (t: number) => (memo ? memo.newestMinuteAt - (minutes - 1 - t) * 60_000 : 0);
    for (let k = 0; k < n; k++) {
      const own = series[k];
      const b = held?.[k]?.[r];
      const at = b ? Math.round((b.at - minuteAt(0)) / 60_000) : -1;
      const carries = b !== undefined && at >= 0 && at < minutes;
      // Before its first reading a worker has nothing to judge (a missing minute changes nothing). A
      // carried belief starts after its minute; when that minute has a reading, the first reading is no
      // later, so the window's start need not be searched.
      let t = 0;
      if (carries && finite(own?.[at]) !== undefined) t = at + 1;
      else if (own === undefined) t = minutes;
      else while (t < minutes && finite(own[t]) === undefined) t++;
      start[k] = t;
      if (!carries) continue;
      start[k] = Math.max(start[k], at + 1);
      posterior[k] = b.posterior;
      run[k] = b.run;
      lastValue[k] = b.value;
      lastExpected[k] = b.expected;
      judgedAt[k] = b.at;
    }
    carried.set(judgedAt);
    let first = minutes;
    for (let k = 0; k < n; k++) first = Math.min(first, start[k]);
    for (let t = first; t < minutes; t++) {
      const load = (loadsAt[t] ??= loads.map((l) => finite(l?.[t])));
      // The minute's readings, and (for the memo) how many and their fingerprint, in one pass.
      let readings = 0;
      let fingerprint = 0;
      for (let k = 0; k < n; k++) {
        const v = finite(series[k]?.[t]);
        values[k] = v;
        if (v === undefined) continue;
        readings++;
        fingerprint += v * 1.000001 + (load[k] ?? -1) * 0.999999;
      }
      const evidence = memo ? memoized(memo, resource, minutes - t, readings, fingerprint, values, load, settings) : peerModel(values, load, settings);
      // A minute without enough peers to compare with is no evidence about anyone.
      if (!evidence) continue;
      // The same for every worker this minute: each spread's log, taken once.
      const logSpreadB = Math.log(evidence.bottleneckSpread);
      const logSpreadN = Math.log(evidence.spread);
      for (let k = 0; k < n; k++) {
        if (t < start[k]) continue;
        const v = values[k];
        // A minute without a reading is no evidence either way: the belief and the run stand as they
        // were, neither counting it nor resetting.
        if (v === undefined) continue;
        // Predict one minute on, then update on this minute's excess over what the peers show at its load.
        const prior = posterior[k] * (1 - LEAVE) + (1 - posterior[k]) * ENTER;
        const expected = evidence.expected(load[k]);
        const excess = v - expected;
        // In logs: a reading far out on either side must not underflow both likelihoods to zero.
        const logB = Math.log(prior) + logGaussian(excess, settings.bottleneckExcessPercent, evidence.bottleneckSpread, logSpreadB);
        const logN = Math.log(1 - prior) + logGaussian(excess, 0, evidence.spread, logSpreadN);
        posterior[k] = 1 / (1 + Math.exp(logN - logB));
        lastValue[k] = v;
        lastExpected[k] = expected;
        // Hysteresis: a run starts at `confidence` and lasts while a bottleneck stays the likelier state,
        // so one noisy minute in a long bottleneck does not start the count again.
        run[k] = posterior[k] >= (run[k] > 0 ? 0.5 : settings.confidence) ? run[k] + 1 : 0;
        judgedAt[k] = minuteAt(t);
      }
    }
    for (let k = 0; k < n; k++) {
      // As of each worker's last judged reading: a minute whose reading is late is judged when it lands.
      if (held && !Number.isNaN(judgedAt[k]) && judgedAt[k] !== carried[k]) {
        const beliefs = (held[k] ??= setBeliefs(memo!, ids[k]));
        const b = (beliefs[r] ??= { at: 0, posterior: 0, run: 0, value: 0, expected: 0 });
        b.at = judgedAt[k];
        b.posterior = posterior[k];
        b.run = run[k];
        b.value = lastValue[k];
        b.expected = lastExpected[k];
      }
      if (run[k] > bestRun[k] || (run[k] === bestRun[k] && run[k] > 0 && posterior[k] > bestPosterior[k])) {
        bestRun[k] = run[k];
        bestPosterior[k] = posterior[k];
        bestResource[k] = r;
        bestValue[k] = lastValue[k];
        bestExpected[k] = lastExpected[k];
      }
    }
  }
  return ids.map((id, k): WorkerVerdict => {
    if (bestResource[k] < 0) return { instanceId: id, straggler: false, bottleneckedMinutes: 0, posterior: 0, forecast: PRIOR };
    const p = bestPosterior[k];
    return {
      instanceId: id,
      straggler: bestRun[k] >= settings.replaceAfterMinutes,
      bottleneckedMinutes: bestRun[k],
      resource: PRESSURE_RESOURCES[bestResource[k]],
      posterior: p,
      forecast: p * (1 - LEAVE) + (1 - p) * ENTER,
      value: Number.isNaN(bestValue[k]) ? undefined : bestValue[k],
      expected: Number.isNaN(bestExpected[k]) ? undefined : bestExpected[k],
    };
  });
}

/**
 * The workers' ids in sorted order. A memo keeps the last call's: a fleet is mostly the same workers, read
 * in the same order, minute after minute, and sorting hundreds of ids each minute was a cost of its own.
 */
function sortedIds(pressure: ReadonlyMap<string, WorkerPressure>, memo: PeerModelMemo | undefined): readonly string[] {
  const keys = [...pressure.keys()];
  const last = memo?.ids;
  if (last && last.keys.length === keys.length && last.keys.every((id, k) => id === keys[k])) return last.sorted;
  const sorted = [...keys].sort();
  if (memo) memo.ids = { keys, sorted };
  return sorted;
}

function setBeliefs(memo: PeerModelMemo, id: string): (Belief | undefined)[] {
  const beliefs: (Belief | undefined)[] = [];
  memo.beliefs.set(id, beliefs);
  return beliefs;
}

type PeerModel = ReturnType<typeof peerModel>;

/**
 * State kept between runs by a caller that judges the same fleet every minute (a warm function, the
 * simulator). A minute's peer model depends only on that minute's readings, so each is fitted once; and a
 * worker's belief carries on from its last judged minute, so each run filters only the new minutes
 * instead of the whole window (the window is what a cold start filters). Pass the same memo with
 * `newestMinuteAt` set to the window's newest minute.
 */
export interface PeerModelMemo {
  /** When the window's newest minute began (ms): names each minute across calls. */
  newestMinuteAt: number;
  readonly models: Map<string, PeerModel>;
  /** Per worker, per resource (PRESSURE_RESOURCES order), the filter's state as of its last judged minute. */
  readonly beliefs: Map<string, (Belief | undefined)[]>;
  /** The last call's worker ids, as read and as sorted. */
  ids?: { readonly keys: readonly string[]; readonly sorted: readonly string[] };
}

/** One worker's filter state on one resource, as of the minute starting at `at` (ms); updated in place. */
interface Belief {
  at: number;
  posterior: number;
  run: number;
  value: number;
  expected: number;
}

/** Drops what has left the window: peer models and the beliefs of workers no longer read. */
export function trimMemo(memo: PeerModelMemo, windowMinutes: number): void {
  const oldest = memo.newestMinuteAt - windowMinutes * 60_000;
  for (const [id, beliefs] of memo.beliefs) {
    let kept = false;
    for (let r = 0; r < beliefs.length; r++) {
      if (beliefs[r] !== undefined && beliefs[r]!.at < oldest) beliefs[r] = undefined;
      kept ||= beliefs[r] !== undefined;
    }
    if (!kept) memo.beliefs.delete(id);
  }
  if (memo.models.size > 50 * windowMinutes * PRESSURE_RESOURCES.length) memo.models.clear();
}

/**
 * The minute's peer model from the memo, or fitted and kept. A minute is named by its start and a
 * fingerprint of its readings (how many, and a weighted sum the caller takes as it reads them): the same
 * minute read with another set of workers refits.
 */
function memoized(
  memo: PeerModelMemo,
  resource: string,
  minutesBack: number,
  readings: number,
  fingerprint: number,
  values: readonly (number | undefined)[],
  loads: readonly (number | undefined)[],
  s: StragglerSettings,
): PeerModel {
  const key = `${resource}|${memo.newestMinuteAt - (minutesBack - 1) * 60_000}|${readings}|${fingerprint}`;
  if (memo.models.has(key)) return memo.models.get(key);
  const model = peerModel(values, loads, s);
  memo.models.set(key, model);
  return model;
}

/**
 * One minute's reference for a resource: what a worker shows at a given load, fitted over every worker
 * with a reading as a line (pressure against load) by least squares, refitted once without the points
 * more than 3 spreads off it, so a straggler (one of many) barely moves it. The spread is 1.4826 × the
 * median absolute residual (a normal's σ), with a floor. Without loads for enough workers the line is
 * flat at the median. Undefined when too few workers have a reading, or when more than the allowed share
 * sit far above the line: then that minute is the fleet's load or a mixed fleet, not a straggler.
 */
function peerModel(
  values: readonly (number | undefined)[],
  loads: readonly (number | undefined)[],
  s: StragglerSettings,
): { expected: (load: number | undefined) => number; spread: number; bottleneckSpread: number } | undefined {
  // Typed arrays, not an object per point (nor an array each, as flatMap made): this runs per minute per
  // resource over the whole fleet. Every sum and every median takes the points in worker order.
  const ys = new Float64Array(values.length);
  // Each point's load, NaN when it has none.
  const xs = new Float64Array(values.length);
  let count = 0;
  for (let k = 0; k < values.length; k++) {
    const y = values[k];
    if (y === undefined) continue;
    ys[count] = y;
    xs[count] = loads[k] ?? Number.NaN;
    count++;
  }
  if (count < s.minPeers) return undefined;
  const wx = new Float64Array(count);
  const wy = new Float64Array(count);
  let withLoad = 0;
  for (let j = 0; j < count; j++) {
    if (Number.isNaN(xs[j])) continue;
    wx[withLoad] = xs[j];
    wy[withLoad] = ys[j];
    withLoad++;
  }
  const middle = medianInPlace(ys.slice(0, count));
  let line = { a: middle, b: 0 };
  if (withLoad >= s.minPeers) {
    line = fitLine(wx, wy, withLoad);
    const off = new Float64Array(withLoad);
    for (let j = 0; j < withLoad; j++) off[j] = Math.abs(wy[j] - line.a - line.b * wx[j]);
    const cut = 3 * Math.max(s.noiseFloorPercent, 1.4826 * medianInPlace(off.slice()));
    let kept = 0;
    for (let j = 0; j < withLoad; j++) {
      if (off[j] > cut) continue;
      wx[kept] = wx[j];
      wy[kept] = wy[j];
      kept++;
    }
    if (kept >= s.minPeers) line = fitLine(wx, wy, kept);
  }
  // The model outlives this call in a memo: it keeps the fitted line, not the points.
  const fitted = withLoad >= s.minPeers;
  const { a, b } = line;
  const expected = (load: number | undefined) => (load === undefined || !fitted ? middle : a + b * load);
  const residuals = new Float64Array(count);
  let high = 0;
  for (let j = 0; j < count; j++) {
    residuals[j] = ys[j] - expected(Number.isNaN(xs[j]) ? undefined : xs[j]);
    if (residuals[j] >= s.bottleneckExcessPercent / 2) high++;
  }
  // One worker far above the rest is what a straggler looks like, however small the fleet.
  if (high > Math.max(1, Math.floor(s.maxBottleneckedShare * count))) return undefined;
  const center = medianInPlace(residuals.slice());
  for (let j = 0; j < count; j++) residuals[j] = Math.abs(residuals[j] - center);
  const spread = Math.max(s.noiseFloorPercent, 1.4826 * medianInPlace(residuals));
  // A bottleneck's excess varies with how busy the worker is: its state is wider than the normal one.
  return { expected, spread, bottleneckSpread: Math.max(spread, s.bottleneckExcessPercent / 2) };
}

/**
 * Least squares y = a + b·x over the first `n` points, with b ≥ 0 (more work never lowers pressure);
 * flat at the mean when x does not vary.
 */
function fitLine(xs: Float64Array, ys: Float64Array, n: number): { a: number; b: number } {
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
  return { a: my - b * mx, b };
}

/** The median, by selection (Hoare's quickselect) on a copy: linear on average, and this runs per minute per resource. */
export function median(values: readonly number[]): number {
  return medianInPlace(Float64Array.from(values));
}

/** The median of `a`, rearranging it. */
function medianInPlace(a: Float64Array): number {
  const n = a.length;
  const upper = select(a, n >> 1);
  if (n % 2 === 1) return upper;
  // The lower middle is the largest of the elements the selection left below the upper one.
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}

/** Rearranges `a` so a[k] is its k-th smallest, with everything before it no larger; returns a[k]. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
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

/** A normal's log density at x, less ½·log 2π (the same in both states); `logSd` is log(sd). */
function logGaussian(x: number, mean: number, sd: number, logSd: number): number {
  const z = (x - mean) / sd;
  return -0.5 * z * z - logSd;
}

function finite(v: number | null | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Validates settings from config or the environment; returns the problems, each naming the field and rule. */
export function stragglerSettingsProblems(s: StragglerSettings): { field: keyof StragglerSettings; value: number; rule: string }[] {
  const out: { field: keyof StragglerSettings; value: number; rule: string }[] = [];
  const whole = (field: keyof StragglerSettings, min: number, max: number) => {
    const v = s[field];
    if (!Number.isInteger(v) || v < min || v > max) out.push({ field, value: v, rule: `must be a whole number from ${min} to ${max}` });
  };
  const range = (field: keyof StragglerSettings, min: number, max: number, why: string) => {
    const v = s[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) out.push({ field, value: v, rule: `must be from ${min} to ${max}${why}` });
  };
  // GetMetricData returns 1-minute data for 15 days; an hour's window is plenty for a minute-scale model.
  whole('windowMinutes', 10, 180);
  whole('minPeers', 3, 100);
  range('bottleneckExcessPercent', 5, 90, ' (percentage points above the peers)');
  range('noiseFloorPercent', 1, 50, ' (percentage points)');
  range('confidence', 0.5, 0.9999, ' (a probability)');
  whole('replaceAfterMinutes', 3, 120);
  range('maxBottleneckedShare', 0.05, 0.5, ' (a share of the fleet; above a half the median is the bottleneck)');
  if (Number.isInteger(s.replaceAfterMinutes) && Number.isInteger(s.windowMinutes) && s.replaceAfterMinutes > s.windowMinutes) {
    out.push({ field: 'replaceAfterMinutes', value: s.replaceAfterMinutes, rule: `must not exceed windowMinutes (${s.windowMinutes}): the run is counted inside the window` });
  }
  return out;
}
