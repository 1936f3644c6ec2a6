/**
 * The straggler function's window of per-minute pressure metrics, as CloudWatch would hold them for one
 * instance, in the simulator.
 */
import { PRESSURE_RESOURCES, PressureResource, WorkerPressure } from '../core/stragglers';

/** One instance's pressure readings for a minute, stamped at the minute's start (seconds). */
export interface PressureReading {
  readonly t: number;
  readonly values: Readonly<Record<PressureResource, number>>;
  /** The agent's RunningTasks averaged over the minute: the load the detector weighs pressure against. */
  readonly runningTasks: number;
}

type PressureSeries = PressureResource | 'load';
const PRESSURE_SERIES: readonly PressureSeries[] = [...PRESSURE_RESOURCES, 'load'];
const SERIES = PRESSURE_SERIES.length;
const LOAD = PRESSURE_RESOURCES.length;

/**
 * One instance's per-minute pressure metrics as CloudWatch holds them, for the straggler function's
 * sliding window: the newest `capacity` minutes. Readings arrive one a minute, oldest first, as the agent
 * publishes them; a minute with none reads as NaN (the detector's "missing", as null is).
 *
 * The minutes are held in place, oldest first, in one Float64Array (series after series, each `capacity`
 * minutes and then `lead` minutes kept empty past the newest), shifted along as readings come. A window
 * that ends at most `lead` minutes past the newest, with every held minute visible, is then a view of the
 * array at a fixed place, made once: reading it copies and allocates nothing, and the straggler function
 * reads the same few objects every minute. A port that takes readings only once they are published
 * (`offer` and `publish`, or `follow` with `visibleUntil`) and reads the window up to the minute in
 * progress gets that view every minute.
 *
 * Placing each of a worker's hour of readings was most of a large simulation's time (issue 37); then a
 * copy per metric per worker per minute; then a ring of views, one set per minute, each read once an hour
 * and so never in a cache, which left the detector waiting on memory.
 */
export class PressureRing {
  /** Minutes a series holds: the capacity, then the lead. */
  private readonly span: number;
  /** Every series (PRESSURE_SERIES order), `span` minutes each; the newest minute at `capacity − 1`. */
  private readonly data: Float64Array;
  /** Each held minute's reading's stamp (seconds), NaN when there is none. */
  private readonly stamps: Float64Array;
  /** The newest minute held (its stamp / 60). */
  private newest = -Infinity;
  /** The last reading taken from the history `follow` reads. */
  private last?: PressureReading;
  /** Windows as views, by first position and length; the last one asked for. */
  private readonly views = new Map<number, WorkerPressure>();
  private lastView?: { readonly key: number; readonly view: WorkerPressure };
  /** Readings offered and not yet published, oldest first: their stamps, and their series, SERIES each. */
  private pendingStamps: number[] = [];
  private pendingValues: number[] = [];

  /**
   * @param capacity the minutes held
   * @param lead empty minutes kept past the newest, so a window reaching that far past it is still a view
   */
  constructor(
    readonly capacity: number,
    readonly lead = 0,
  ) {
    this.span = capacity + lead;
    this.data = new Float64Array(SERIES * this.span).fill(Number.NaN);
    this.stamps = new Float64Array(this.span).fill(Number.NaN);
  }

  /**
   * Appends the readings of `history` (oldest first) newer than the last one taken from it, usually one,
   * and published by `visibleUntil` (seconds: a minute is published once it has ended, stamp + 60).
   */
  follow(history: readonly PressureReading[], visibleUntil = Infinity): void {
    let end = history.length;
    while (end > 0 && history[end - 1].t + 60 > visibleUntil) end--;
    let i = end;
    while (i > 0 && history[i - 1] !== this.last) i--;
    for (; i < end; i++) this.append(history[i]);
    if (end > 0) this.last = history[end - 1];
  }

  append(reading: PressureReading): void {
    const v = reading.values;
    this.put(reading.t, v.cpuSteal, v.cpuPressure, v.memoryPressure, v.ioPressure, v.diskBusy, reading.runningTasks);
  }

  /**
   * A reading as the agent publishes it (stamp in seconds; the resources in PRESSURE_RESOURCES order, then
   * the load), held back until `publish` says it is visible: what `follow` does with a history, without one.
   */
  offer(t: number, values: ArrayLike<number>, runningTasks: number): void {
    this.pendingStamps.push(t);
    for (let r = 0; r < LOAD; r++) this.pendingValues.push(values[r]);
    this.pendingValues.push(runningTasks);
    // Unpublished for longer than the ring holds (a worker no longer read): the oldest could never be seen.
    if (this.pendingStamps.length > 2 * this.span + 4) this.drop(1);
  }

  /** Appends the offered readings published by `visibleUntil` (seconds), oldest first. */
  publish(visibleUntil: number): void {
    const stamps = this.pendingStamps;
    let n = 0;
    while (n < stamps.length && stamps[n] + 60 <= visibleUntil) n++;
    // Readings are offered in time order, so the published ones are a prefix (as `follow` takes them).
    for (let k = 0; k < n; k++) {
      const v = this.pendingValues;
      const at = k * SERIES;
      this.put(stamps[k], v[at], v[at + 1], v[at + 2], v[at + 3], v[at + 4], v[at + 5]);
    }
    if (n > 0) this.drop(n);
  }

  /**
   * The `minutes` one-minute readings from `first` (seconds, a minute's start), oldest first, as
   * GetMetricData returns them: NaN for a minute with no reading, not yet visible at `visibleUntil`
   * (a minute is published once it has ended: stamp + 60), or older than the ring holds.
   *
   * The window may be a view of the ring: read it before the ring takes its next reading (the straggler
   * function judges each minute's windows before the next minute's readings).
   */
  window(first: number, minutes: number, visibleUntil: number): WorkerPressure {
    const from = Math.round(first / 60);
    // The held minutes the window shows: from the older of its start and the ring's oldest, up to the newest visible.
    let to = this.newest;
    while (to > this.newest - this.capacity && this.stamps[this.place(to)] + 60 > visibleUntil) to--;
    const lo = Math.max(from, this.newest - this.capacity + 1) - from;
    const hi = Math.min(to, from + minutes - 1) - from;
    if (minutes <= this.capacity && to === this.newest && lo === 0 && from + minutes - 1 <= this.newest + this.lead) return this.view(this.place(from), minutes);
    const out: Partial<Record<PressureSeries, Float64Array>> = {};
    PRESSURE_SERIES.forEach((k, j) => {
      const series = new Float64Array(minutes).fill(Number.NaN);
      for (let m = lo; m <= hi; m++) series[m] = this.data[j * this.span + this.place(from + m)];
      out[k] = series;
    });
    return out;
  }

  /** The positions from `at`, `minutes` of them, of every series, as views made once. */
  private view(at: number, minutes: number): WorkerPressure {
    const key = at * (this.span + 1) + minutes;
    if (this.lastView?.key === key) return this.lastView.view;
    let view = this.views.get(key);
    if (!view) {
      view = Object.fromEntries(PRESSURE_SERIES.map((k, j) => [k, this.data.subarray(j * this.span + at, j * this.span + at + minutes)]));
      this.views.set(key, view);
    }
    this.lastView = { key, view };
    return view;
  }

  /** Where a held minute (or one of the lead) sits in each series. */
  private place(minute: number): number {
    return this.capacity - 1 - (this.newest - minute);
  }

  /** Takes a reading for the minute of stamp `t`: the newest, a newer one (the minutes between read as missing), or a late one still held. */
  private put(t: number, cpuSteal: number, cpuPressure: number, memoryPressure: number, ioPressure: number, diskBusy: number, load: number): void {
    const m = Math.round(t / 60);
    if (m <= this.newest - this.capacity) return;
    const span = this.span;
    const data = this.data;
    if (m > this.newest) {
      // Shift everything older along (the lead's places and the minutes skipped are refilled below);
      // a series' last places take the next one's first, overwritten as well.
      const shift = m - this.newest;
      if (shift >= span) {
        data.fill(Number.NaN);
        this.stamps.fill(Number.NaN);
      } else {
        data.copyWithin(0, shift);
        this.stamps.copyWithin(0, shift);
        const gap = Math.max(0, this.capacity - shift);
        for (let j = 0; j < SERIES; j++) data.fill(Number.NaN, j * span + gap, (j + 1) * span);
        this.stamps.fill(Number.NaN, gap);
      }
      this.newest = m;
    }
    const p = this.place(m);
    this.stamps[p] = t;
    data[p] = cpuSteal;
    data[span + p] = cpuPressure;
    data[2 * span + p] = memoryPressure;
    data[3 * span + p] = ioPressure;
    data[4 * span + p] = diskBusy;
    data[LOAD * span + p] = load;
  }

  private drop(n: number): void {
    this.pendingStamps.splice(0, n);
    this.pendingValues.splice(0, n * SERIES);
  }
}
