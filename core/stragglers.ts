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
 */
export function detectStragglers(pressure: ReadonlyMap<string, WorkerPressure>, settings: StragglerSettings, memo?: PeerModelMemo): WorkerVerdict[] {
  const ids = [...pressure.keys()].sort();
  const best = new Map<string, WorkerVerdict>(ids.map((id) => [id, { instanceId: id, straggler: false, bottleneckedMinutes: 0, posterior: 0, forecast: PRIOR }]));
  const windows = ids.map((id) => pressure.get(id));
  for (const resource of PRESSURE_RESOURCES) {
    const series = windows.map((w) => w?.[resource]);
    const minutes = Math.max(0, ...series.map((s) => s?.length ?? 0));
    if (minutes === 0) continue;
    const loads = windows.map((w) => w?.load);
    const n = ids.length;
    const posterior = new Float64Array(n).fill(PRIOR);
    const run = new Int32Array(n);
    const lastValue = new Float64Array(n).fill(NaN);
    const lastExpected = new Float64Array(n).fill(NaN);
    const values: (number | undefined)[] = new Array(n);
    const load: (number | undefined)[] = new Array(n);
    const log = { b: 0, n: 0 };
    // With a memo, a worker's belief as of its last judged reading carries on from there; without one
    // (a cold start, a new worker) it is filtered over the whole window from the stationary prior.
    const minuteAt = (t: number) => (memo ? memo.newestMinuteAt - (minutes - 1 - t) * 60_000 : 0);
    const start = new Int32Array(n);
    const judgedAt = new Float64Array(n).fill(NaN);
    // Before its first reading a worker has nothing to judge (a missing minute changes nothing).
    for (let k = 0; k < n; k++) {
      let t = 0;
      while (t < minutes && finite(series[k]?.[t]) === undefined) t++;
      start[k] = t;
    }
    let beliefs: Map<string, Belief> | undefined;
    if (memo) {
      beliefs = memo.beliefs.get(resource) ?? new Map<string, Belief>();
      memo.beliefs.set(resource, beliefs);
      ids.forEach((id, k) => {
        const b = beliefs!.get(id);
        const t = b ? Math.round((b.at - minuteAt(0)) / 60_000) : -1;
        if (!b || t < 0 || t >= minutes) return;
        start[k] = Math.max(start[k], t + 1);
        posterior[k] = b.posterior;
        run[k] = b.run;
        lastValue[k] = b.value;
        lastExpected[k] = b.expected;
        judgedAt[k] = b.at;
      });
    }
    const carried = Float64Array.from(judgedAt);
    const first = start.reduce((a, b) => Math.min(a, b), minutes);
    for (let t = first; t < minutes; t++) {
      for (let k = 0; k < n; k++) {
        values[k] = finite(series[k]?.[t]);
        load[k] = finite(loads[k]?.[t]);
      }
      const evidence = memo ? memoized(memo, resource, minutes - t, values, load, settings) : peerModel(values, load, settings);
      // A minute without enough peers to compare with is no evidence about anyone.
      if (!evidence) continue;
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
        log.b = Math.log(prior) + logGaussian(excess, settings.bottleneckExcessPercent, evidence.bottleneckSpread);
        log.n = Math.log(1 - prior) + logGaussian(excess, 0, evidence.spread);
        posterior[k] = 1 / (1 + Math.exp(log.n - log.b));
        lastValue[k] = v;
        lastExpected[k] = expected;
        // Hysteresis: a run starts at `confidence` and lasts while a bottleneck stays the likelier state,
        // so one noisy minute in a long bottleneck does not start the count again.
        run[k] = posterior[k] >= (run[k] > 0 ? 0.5 : settings.confidence) ? run[k] + 1 : 0;
        judgedAt[k] = minuteAt(t);
      }
    }
    if (beliefs) {
      // As of each worker's last judged reading: a minute whose reading is late is judged when it lands.
      ids.forEach((id, k) => {
        if (!Number.isNaN(judgedAt[k]) && judgedAt[k] !== carried[k]) beliefs!.set(id, { at: judgedAt[k], posterior: posterior[k], run: run[k], value: lastValue[k], expected: lastExpected[k] });
      });
    }
    ids.forEach((id, k) => {
      const current = best.get(id)!;
      if (run[k] > current.bottleneckedMinutes || (run[k] === current.bottleneckedMinutes && run[k] > 0 && posterior[k] > current.posterior)) {
        best.set(id, {
          instanceId: id,
          straggler: run[k] >= settings.replaceAfterMinutes,
          bottleneckedMinutes: run[k],
          resource,
          posterior: posterior[k],
          forecast: posterior[k] * (1 - LEAVE) + (1 - posterior[k]) * ENTER,
          value: Number.isNaN(lastValue[k]) ? undefined : lastValue[k],
          expected: Number.isNaN(lastExpected[k]) ? undefined : lastExpected[k],
        });
      }
    });
  }
  return ids.map((id) => best.get(id)!);
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
  /** Per resource, per worker, the filter's state as of its last judged minute. */
  readonly beliefs: Map<PressureResource, Map<string, Belief>>;
}

/** One worker's filter state on one resource, as of the minute starting at `at` (ms). */
interface Belief {
  readonly at: number;
  readonly posterior: number;
  readonly run: number;
  readonly value: number;
  readonly expected: number;
}

/** Drops what has left the window: peer models and the beliefs of workers no longer read. */
export function trimMemo(memo: PeerModelMemo, windowMinutes: number): void {
  const oldest = memo.newestMinuteAt - windowMinutes * 60_000;
  for (const byWorker of memo.beliefs.values()) for (const [id, b] of byWorker) if (b.at < oldest) byWorker.delete(id);
  if (memo.models.size > 50 * windowMinutes * PRESSURE_RESOURCES.length) memo.models.clear();
}

function memoized(memo: PeerModelMemo, resource: string, minutesBack: number, values: readonly (number | undefined)[], loads: readonly (number | undefined)[], s: StragglerSettings): PeerModel {
  // The minute, and a fingerprint of its readings: the same minute read with another set of workers refits.
  let n = 0;
  let sum = 0;
  values.forEach((v, k) => {
    if (v === undefined) return;
    n++;
    sum += v * 1.000001 + (loads[k] ?? -1) * 0.999999;
  });
  const key = `${resource}|${memo.newestMinuteAt - (minutesBack - 1) * 60_000}|${n}|${sum}`;
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
  // A loop, not flatMap: an array per worker per minute per resource was most of the detector's time.
  const points: { x: number | undefined; y: number }[] = [];
  for (let k = 0; k < values.length; k++) {
    const y = values[k];
    if (y !== undefined) points.push({ x: loads[k], y });
  }
  if (points.length < s.minPeers) return undefined;
  const withLoad = points.filter((p): p is { x: number; y: number } => p.x !== undefined);
  const middle = median(points.map((p) => p.y));
  let line = { a: middle, b: 0 };
  if (withLoad.length >= s.minPeers) {
    line = fitLine(withLoad);
    const residuals = withLoad.map((p) => p.y - line.a - line.b * p.x);
    const cut = 3 * Math.max(s.noiseFloorPercent, 1.4826 * median(residuals.map(Math.abs)));
    const kept = withLoad.filter((_, k) => Math.abs(residuals[k]) <= cut);
    if (kept.length >= s.minPeers) line = fitLine(kept);
  }
  // The model outlives this call in a memo: it keeps the fitted line, not the points.
  const fitted = withLoad.length >= s.minPeers;
  const expected = (load: number | undefined) => (load === undefined || !fitted ? middle : line.a + line.b * load);
  const residuals = points.map((p) => p.y - expected(p.x));
  const high = residuals.filter((r) => r >= s.bottleneckExcessPercent / 2).length;
  // One worker far above the rest is what a straggler looks like, however small the fleet.
  if (high > Math.max(1, Math.floor(s.maxBottleneckedShare * points.length))) return undefined;
  const center = median(residuals);
  const spread = Math.max(s.noiseFloorPercent, 1.4826 * median(residuals.map((r) => Math.abs(r - center))));
  // A bottleneck's excess varies with how busy the worker is: its state is wider than the normal one.
  return { expected, spread, bottleneckSpread: Math.max(spread, s.bottleneckExcessPercent / 2) };
}

/** Least squares y = a + b·x with b ≥ 0 (more work never lowers pressure); flat at the mean when x does not vary. */
function fitLine(points: readonly { x: number; y: number }[]): { a: number; b: number } {
  const n = points.length;
  const mx = points.reduce((t, p) => t + p.x, 0) / n;
  const my = points.reduce((t, p) => t + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  const b = sxx > 1e-12 ? Math.max(0, sxy / sxx) : 0;
  return { a: my - b * mx, b };
}

/** The median, by selection (Hoare's quickselect) on a copy: linear on average, and this runs per minute per resource. */
export function median(values: readonly number[]): number {
  const a = Float64Array.from(values);
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

function logGaussian(x: number, mean: number, sd: number): number {
  const z = (x - mean) / sd;
  return -0.5 * z * z - Math.log(sd);
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
