/**
 * Straggler detection (Lube, HotCloud '17: "a single worker node is bottlenecked continuously while all
 * nodes are rarely bottlenecked at the same time"). Pure; the straggler function and the simulator both
 * call it.
 *
 * Per worker and per resource, a two-state hidden Markov model (normal, bottlenecked) is filtered over a
 * sliding window of one-minute pressure readings, as Lube's sliding HMM. What it observes is the worker's
 * excess over its peers' median that minute (core/straggler-peers.ts), so load the whole fleet shares is
 * not a bottleneck (the median rises with it) and a resource many workers are short of at once is left to
 * scaling. A worker is a straggler when the model has held it bottlenecked, at `confidence`, for
 * `replaceAfterMinutes` in a row. The metrics and settings are core/straggler-settings.ts's.
 */
import { PRESSURE_RESOURCES, PressureResource, StragglerSettings } from './straggler-settings';
import * as peers from './straggler-peers';
import * as memos from './straggler-memo';
import type { PeerModelMemo } from './straggler-memo';

export { BOTTLENECKED_MINUTES_METRIC, DEFAULT_STRAGGLER_SETTINGS, PRESSURE_METRICS, PRESSURE_RESOURCES, stragglerSettingsProblems } from './straggler-settings';
export type { PressureResource, StragglerSettings } from './straggler-settings';
export { median } from './util/robust-stats';
export { trimMemo } from './straggler-memo';
export type { PeerModelMemo } from './straggler-memo';

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

const RESOURCES = PRESSURE_RESOURCES.length;
/** The series a window holds: the resources (PRESSURE_RESOURCES order), then load. */
const SERIES = [...PRESSURE_RESOURCES, 'load'] as const;
const LOAD = RESOURCES;

/**
 * The filter's working state, kept between calls and grown as fleets grow: run every minute over a whole
 * fleet (the simulator: 2 million worker-minutes a week of up to 500 workers), arrays allocated per call
 * were garbage of their own. Each call sets every slot it reads.
 *
 * The minutes a call filters are first copied out of every worker's window into `columns`, one per series
 * (the resources, then load), minute-major: row t holds every worker's reading of minute t. The windows
 * are a few arrays per worker scattered over the heap, and reading them minute by minute, resource by
 * resource, touched each worker's memory over and over; now each worker's is read once, in one place,
 * and everything after runs over contiguous arrays.
 */
class Filter {
  size = 0;
  // Each worker's best verdict so far, as numbers: its run, posterior, resource (-1: none yet), value, expected.
  bestRun = new Int32Array(0);
  bestPosterior = new Float64Array(0);
  bestResource = new Int8Array(0);
  bestValue = new Float64Array(0);
  bestExpected = new Float64Array(0);
  // The filter's state on the resource being judged, reset for each.
  posterior = new Float64Array(0);
  run = new Int32Array(0);
  lastValue = new Float64Array(0);
  lastExpected = new Float64Array(0);
  judgedAt = new Float64Array(0);
  carried = new Float64Array(0);
  /** Per resource and worker (r × n + k): the first minute its filter reads. */
  start = new Int32Array(0);
  readonly columns: Float64Array[] = SERIES.map(() => new Float64Array(0));

  fit(n: number): this {
    if (n <= this.size) return this;
    this.size = Math.max(n, 2 * this.size, 64);
    this.bestRun = new Int32Array(this.size);
    this.run = new Int32Array(this.size);
    this.start = new Int32Array(this.size * RESOURCES);
    this.bestResource = new Int8Array(this.size);
    for (const k of ['bestPosterior', 'bestValue', 'bestExpected', 'posterior', 'lastValue', 'lastExpected', 'judgedAt', 'carried'] as const) this[k] = new Float64Array(this.size);
    return this;
  }

  /** The columns, each with room for `rows` minutes of n workers. */
  columnsFor(rows: number, n: number): Float64Array[] {
    for (let j = 0; j < SERIES.length; j++) if (this.columns[j].length < rows * n) this.columns[j] = new Float64Array(Math.max(rows * n, 2 * this.columns[j].length));
    return this.columns;
  }
}
const filter = new Filter();
// What the loops below use from the peer model and the memo, read once: run by tsx (as CommonJS), each
// read of an imported binding is a getter call, and these are read per worker and minute.
const { expectedAt, peerModel } = peers;
const { beliefsOf, memoizedModel, BELIEF_FIELDS } = memos;
const { At, Posterior, Run, Value, Expected } = memos.Belief;
/** Minutes a memo's first guess copies back from the window's end; then as many as the last call filtered. */
const TAIL_MINUTES = 8;

/** A reading as a number: NaN when missing (null, undefined, not finite). */
function reading(v: number | null | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN;
}

/**
 * Judges every worker of one fleet. `pressure` holds each worker's window (all the same length); a worker
 * with no readings gets a verdict of "not bottlenecked", never a guess.
 *
 * Each worker's window is read once: where its filter starts on each resource, and the minutes from the
 * earliest start on (`Filter`). Then, resource by resource and minute by minute over the whole fleet, the
 * minute's peer model is fitted (or found in the memo) and every worker's belief updated from it.
 */
export function detectStragglers(pressure: ReadonlyMap<string, WorkerPressure>, settings: StragglerSettings, memo?: PeerModelMemo): WorkerVerdict[] {
  const { ids, windows } = workersOf(pressure, memo);
  const n = ids.length;
  const f = filter.fit(n);
  const { bestRun, bestPosterior, bestResource, bestValue, bestExpected, posterior, run, lastValue, lastExpected, start, judgedAt, carried } = f;
  const state = memo ? beliefsOf(memo, ids) : undefined;
  // Every worker's series, by series then worker, and each resource's window length (the longest).
  const views: (ArrayLike<number | null> | undefined)[] = new Array(SERIES.length * n);
  const minutesOf = [0, 0, 0, 0, 0];
  for (let k = 0; k < n; k++) {
    const w = windows[k];
    if (w === undefined) continue;
    const { cpuSteal, cpuPressure, memoryPressure, ioPressure, diskBusy, load } = w;
    views[k] = cpuSteal;
    views[n + k] = cpuPressure;
    views[2 * n + k] = memoryPressure;
    views[3 * n + k] = ioPressure;
    views[4 * n + k] = diskBusy;
    views[LOAD * n + k] = load;
    for (let r = 0; r < RESOURCES; r++) minutesOf[r] = Math.max(minutesOf[r], views[r * n + k]?.length ?? 0);
  }
  let top = 0;
  for (let r = 0; r < RESOURCES; r++) top = Math.max(top, minutesOf[r]);
  // With a memo, a worker's belief as of its last judged reading carries on from there; without one
  // (a cold start, a new worker) it is filtered over the whole window from the stationary prior.
  const newestMinuteAt = memo ? memo.newestMinuteAt : 0;
  const minuteAt = (minutes: number, t: number) => (memo ? newestMinuteAt - (minutes - 1 - t) * 60_000 : 0);
  let base = memo ? Math.max(0, top - (memo.span ?? TAIL_MINUTES)) : 0;
  let first = gather(f, views, state, minutesOf, base, top, n, minuteAt);
  if (first < base) {
    // A worker's filter starts earlier than guessed (a new worker, a belief from before a gap): every
    // worker's readings of those minutes are evidence too.
    base = first;
    first = gather(f, views, state, minutesOf, base, top, n, minuteAt);
  }
  if (memo) memo.span = Math.max(TAIL_MINUTES / 2, top - Math.min(first, top));
  const columns = f.columns;
  const loads = columns[LOAD];
  bestRun.fill(0, 0, n);
  bestPosterior.fill(0, 0, n);
  bestResource.fill(-1, 0, n);
  bestValue.fill(0, 0, n);
  bestExpected.fill(0, 0, n);
  for (let r = 0; r < RESOURCES; r++) {
    const minutes = minutesOf[r];
    if (minutes === 0) continue;
    const resource = PRESSURE_RESOURCES[r];
    const values = columns[r];
    const from = r * n;
    // Where this resource's beliefs are held (straggler-memo.ts's layout).
    const heldAt = (r * BELIEF_FIELDS + At) * n;
    const heldPosterior = (r * BELIEF_FIELDS + Posterior) * n;
    const heldRun = (r * BELIEF_FIELDS + Run) * n;
    const heldValue = (r * BELIEF_FIELDS + Value) * n;
    const heldExpected = (r * BELIEF_FIELDS + Expected) * n;
    posterior.fill(PRIOR, 0, n);
    run.fill(0, 0, n);
    lastValue.fill(Number.NaN, 0, n);
    lastExpected.fill(Number.NaN, 0, n);
    judgedAt.fill(Number.NaN, 0, n);
    let firstOf = minutes;
    for (let k = 0; k < n; k++) firstOf = Math.min(firstOf, start[from + k]);
    if (state) {
      const oldest = minuteAt(minutes, 0);
      for (let k = 0; k < n; k++) {
        const believedAt = state[heldAt + k];
        if (Number.isNaN(believedAt)) continue;
        const at = Math.round((believedAt - oldest) / 60_000);
        if (at < 0 || at >= minutes) continue;
        posterior[k] = state[heldPosterior + k];
        run[k] = state[heldRun + k];
        lastValue[k] = state[heldValue + k];
        lastExpected[k] = state[heldExpected + k];
        judgedAt[k] = believedAt;
      }
    }
    carried.set(judgedAt.subarray(0, n));
    for (let t = firstOf; t < minutes; t++) {
      const row = (t - base) * n;
      // The minute's readings, and (for the memo) how many and their fingerprint.
      let readings = 0;
      let fingerprint = 0;
      for (let k = row; k < row + n; k++) {
        const v = values[k];
        if (Number.isNaN(v)) continue;
        readings++;
        fingerprint += v * 1.000001 + (Number.isNaN(loads[k]) ? -1 : loads[k]) * 0.999999;
      }
      const stamp = minuteAt(minutes, t);
      const evidence = memo ? memoizedModel(memo, resource, stamp, readings, fingerprint, values, loads, row, n, settings) : peerModel(values, loads, row, n, settings);
      // A minute without enough peers to compare with is no evidence about anyone.
      if (!evidence) continue;
      const { bottleneckSpread, spread, logBottleneckSpread, logSpread } = evidence;
      const excessPercent = settings.bottleneckExcessPercent;
      const confidence = settings.confidence;
      for (let k = 0; k < n; k++) {
        if (t < start[from + k]) continue;
        const v = values[row + k];
        // A minute without a reading is no evidence either way: the belief and the run stand as they
        // were, neither counting it nor resetting.
        if (Number.isNaN(v)) continue;
        // Predict one minute on, then update on this minute's excess over what the peers show at its load.
        const p = posterior[k];
        const prior = p * (1 - LEAVE) + (1 - p) * ENTER;
        const expected = expectedAt(evidence, loads[row + k]);
        const excess = v - expected;
        // In logs: a reading far out on either side must not underflow both likelihoods to zero.
        const logB = Math.log(prior) + logGaussian(excess, excessPercent, bottleneckSpread, logBottleneckSpread);
        const logN = Math.log(1 - prior) + logGaussian(excess, 0, spread, logSpread);
        const q = 1 / (1 + Math.exp(logN - logB));
        posterior[k] = q;
        lastValue[k] = v;
        lastExpected[k] = expected;
        // Hysteresis: a run starts at `confidence` and lasts while a bottleneck stays the likelier state,
        // so one noisy minute in a long bottleneck does not start the count again.
        run[k] = q >= (run[k] > 0 ? 0.5 : confidence) ? run[k] + 1 : 0;
        judgedAt[k] = stamp;
      }
    }
    for (let k = 0; k < n; k++) {
      // As of each worker's last judged reading: a minute whose reading is late is judged when it lands.
      if (state && !Number.isNaN(judgedAt[k]) && judgedAt[k] !== carried[k]) {
        state[heldAt + k] = judgedAt[k];
        state[heldPosterior + k] = posterior[k];
        state[heldRun + k] = run[k];
        state[heldValue + k] = lastValue[k];
        state[heldExpected + k] = lastExpected[k];
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
  const verdicts: WorkerVerdict[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const id = ids[k];
    if (bestResource[k] < 0) {
      verdicts[k] = { instanceId: id, straggler: false, bottleneckedMinutes: 0, posterior: 0, forecast: PRIOR };
      continue;
    }
    const p = bestPosterior[k];
    verdicts[k] = {
      instanceId: id,
      straggler: bestRun[k] >= settings.replaceAfterMinutes,
      bottleneckedMinutes: bestRun[k],
      resource: PRESSURE_RESOURCES[bestResource[k]],
      posterior: p,
      forecast: p * (1 - LEAVE) + (1 - p) * ENTER,
      value: Number.isNaN(bestValue[k]) ? undefined : bestValue[k],
      expected: Number.isNaN(bestExpected[k]) ? undefined : bestExpected[k],
    };
  }
  return verdicts;
}

/**
 * One pass over the workers: where each one's filter starts on each resource (`f.start`), and its
 * readings of minutes [base, top) of every series into the columns. Returns the earliest start.
 *
 * Before its first reading a worker has nothing to judge (a missing minute changes nothing). A carried
 * belief starts after its minute; when that minute has a reading, the first reading is no later, so the
 * window's start need not be searched.
 */
function gather(
  f: Filter,
  views: readonly (ArrayLike<number | null> | undefined)[],
  state: Float64Array | undefined,
  minutesOf: readonly number[],
  base: number,
  top: number,
  n: number,
  minuteAt: (minutes: number, t: number) => number,
): number {
  const columns = f.columnsFor(top - base, n);
  const start = f.start;
  let first = top;
  for (let k = 0; k < n; k++) {
    for (let r = 0; r < RESOURCES; r++) {
      const minutes = minutesOf[r];
      if (minutes === 0) continue;
      const own = views[r * n + k];
      const believedAt = state ? state[(r * BELIEF_FIELDS + At) * n + k] : Number.NaN;
      const at = Number.isNaN(believedAt) ? -1 : Math.round((believedAt - minuteAt(minutes, 0)) / 60_000);
      const carries = at >= 0 && at < minutes;
      let t = 0;
      if (carries && !Number.isNaN(reading(own?.[at]))) t = at + 1;
      else if (own === undefined) t = minutes;
      else while (t < minutes && Number.isNaN(reading(own[t]))) t++;
      if (carries) t = Math.max(t, at + 1);
      start[r * n + k] = t;
      first = Math.min(first, t);
    }
    for (let j = 0; j < SERIES.length; j++) {
      const own = views[j * n + k];
      const column = columns[j];
      const length = own === undefined ? 0 : Math.min(top, own.length);
      let t = base;
      for (; t < length; t++) column[(t - base) * n + k] = reading(own![t]);
      for (; t < top; t++) column[(t - base) * n + k] = Number.NaN;
    }
  }
  return first;
}

/**
 * The workers' ids in sorted order, and their windows in that order. A memo keeps the last call's: a
 * fleet is mostly the same workers, read in the same order, minute after minute, and sorting hundreds of
 * ids each minute was a cost of its own. When the map already holds them in sorted order (a port that
 * lists instances by id), the windows are taken in its order rather than looked up one by one.
 */
function workersOf(pressure: ReadonlyMap<string, WorkerPressure>, memo: PeerModelMemo | undefined): { ids: readonly string[]; windows: readonly (WorkerPressure | undefined)[] } {
  const keys = [...pressure.keys()];
  const last = memo?.ids;
  let ids: readonly string[];
  if (last && last.keys.length === keys.length && last.keys.every((id, k) => id === keys[k])) ids = last.sorted;
  else {
    ids = [...keys].sort();
    if (memo) memo.ids = { keys, sorted: ids };
  }
  const inOrder = ids.every((id, k) => id === keys[k]);
  return { ids, windows: inOrder ? [...pressure.values()] : ids.map((id) => pressure.get(id)) };
}

/** A normal's log density at x, less ½·log 2π (the same in both states); `logSd` is log(sd). */
function logGaussian(x: number, mean: number, sd: number, logSd: number): number {
  const z = (x - mean) / sd;
  return -0.5 * z * z - logSd;
}
